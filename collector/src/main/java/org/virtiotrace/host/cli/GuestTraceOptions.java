package org.virtiotrace.host.cli;

import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.core.config.EventChoice;
import org.virtiotrace.core.config.TraceConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * trace-cmd record's options for what the guest traces, with trace-cmd's meanings and order
 * rules: a {@code -f} filters the {@code -e} just before it. picocli calls the setters in
 * command-line order, which is what makes that rule hold. Shared by every command that takes
 * a guest's recording options.
 */
public final class GuestTraceOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private final List<EventChoice> events = new ArrayList<>();
    private int eventsGiven;
    private int filtersGiven;

    @Option(names = "-e", paramLabel = "EVENT", order = 100,
            description = "Trace this event in the guest: SYSTEM, EVENT, SYSTEM:EVENT or all; globs allowed "
                    + "('sched:*'); repeatable. With any of -e/-f/-b/-p/-l/-n/-g/-C/-O/-T the guest's agent traces a "
                    + "private instance made for this recording, and removes it after the stop.")
    void event(List<String> all) {
        // picocli calls a repeatable option's setter at each occurrence with every value so far, in
        // command-line order with -f's: the newest value is the one just given
        if (all.size() > eventsGiven) {
            eventsGiven = all.size();
            events.add(new EventChoice(all.get(all.size() - 1), null));
        }
    }

    @Option(names = "-f", paramLabel = "FILTER", order = 101,
            description = "Filter for the -e before it (the kernel's filter syntax: 'prev_pid != 0').")
    void filter(List<String> all) {
        if (all.size() <= filtersGiven) {
            return;
        }
        filtersGiven = all.size();
        String f = all.get(all.size() - 1);
        if (events.isEmpty()) {
            throw new ParameterException(mixee.commandLine(), "-f '" + f + "': a filter must follow the -e it filters");
        }
        int last = events.size() - 1;
        try {
            events.set(last, events.get(last).withFilter(f));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "-f: " + e.getMessage());
        }
    }

    @Option(names = "-b", paramLabel = "KB", order = 102, description = "The guest's ring buffer per CPU, in KiB.")
    int bufferKb;

    @Option(names = "-p", paramLabel = "TRACER", order = 103, description = "The guest's tracer (function, ...).")
    String tracer;

    @Option(names = "-l", paramLabel = "FUNCTION", order = 104,
            description = "Trace only these functions (set_ftrace_filter; globs; repeatable).")
    List<String> functions = new ArrayList<>();

    @Option(names = "-n", paramLabel = "FUNCTION", order = 105,
            description = "Do not trace these functions (set_ftrace_notrace; globs; repeatable).")
    List<String> notrace = new ArrayList<>();

    @Option(names = "-g", paramLabel = "FUNCTION", order = 106,
            description = "Graph this function (set_graph_function; with -p function_graph; repeatable).")
    List<String> graph = new ArrayList<>();

    @Option(names = "--max-graph-depth", paramLabel = "N", order = 107, description = "function_graph's depth limit.")
    int maxGraphDepth;

    @Option(names = "-C", paramLabel = "CLOCK", order = 108, description = "The guest's trace clock (local, global, "
            + "mono, ...).")
    String clock;

    @Option(names = "-O", paramLabel = "OPTION", order = 109,
            description = "A trace option, or noOPTION to clear it (trace-cmd list -o; repeatable).")
    List<String> traceOptions = new ArrayList<>();

    @Option(names = "-T", order = 110, description = "A kernel stack trace with every event (the stacktrace option).")
    boolean stackTraces;

    /** What was asked; {@link TraceConfig#NONE} when none of these options was given. */
    public TraceConfig config() {
        if (bufferKb < 0 || maxGraphDepth < 0) {
            throw new ParameterException(mixee.commandLine(), bufferKb < 0 ? "-b " + bufferKb + ": must be positive"
                    : "--max-graph-depth " + maxGraphDepth + ": must be positive");
        }
        try {
            return new TraceConfig(events, bufferKb, tracer, functions, notrace, graph, maxGraphDepth, clock,
                    traceOptions, stackTraces);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }
}
