package org.virtiotrace.core.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What the host asks the guest to trace: trace-cmd record's options, with their meanings.
 * Empty means "what the guest already traces". The text form both programs exchange is
 * {@link ConfigText} (docs/trace-config.md).
 *
 * @param events         {@code -e}, each with its {@code -f}
 * @param bufferKb       {@code -b}: KiB of ring buffer per CPU, or 0 for the kernel's default
 * @param tracer         {@code -p}, or null
 * @param functions      {@code -l}: set_ftrace_filter globs
 * @param notrace        {@code -n}: set_ftrace_notrace globs
 * @param graphFunctions {@code -g}: set_graph_function
 * @param maxGraphDepth  {@code --max-graph-depth}, or 0 for none
 * @param clock          {@code -C}: the trace clock, or null
 * @param options        {@code -O}: trace options, {@code NAME} or {@code noNAME}
 * @param stackTraces    {@code -T}: a kernel stack trace with every event
 */
public record TraceConfig(List<EventChoice> events, int bufferKb, String tracer, List<String> functions,
                          List<String> notrace, List<String> graphFunctions, int maxGraphDepth, String clock,
                          List<String> options, boolean stackTraces) {
    /** Names that reach tracefs as file contents or paths: no spaces, no slashes, no newlines. */
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_.:*?\\[\\]!-]+");
    /** An event may also be spelt SYSTEM/EVENT; it is matched against the guest's names, never used as a path. */
    private static final Pattern EVENT = Pattern.compile("[A-Za-z0-9_.:/*?\\[\\]!-]+");

    public static final TraceConfig NONE = new TraceConfig(List.of(), 0, null, List.of(), List.of(), List.of(), 0,
            null, List.of(), false);

    public TraceConfig {
        events = List.copyOf(events);
        functions = List.copyOf(functions);
        notrace = List.copyOf(notrace);
        graphFunctions = List.copyOf(graphFunctions);
        options = List.copyOf(options);
        if (bufferKb < 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + bufferKb);
        }
        if (maxGraphDepth < 0) {
            throw new IllegalArgumentException("max graph depth must be positive: " + maxGraphDepth);
        }
        for (EventChoice e : events) {
            if (!EVENT.matcher(e.spec()).matches()) {
                throw new IllegalArgumentException("event '" + e.spec() + "': not an event name (SYSTEM, EVENT or "
                        + "SYSTEM:EVENT, globs allowed)");
            }
        }
        for (List<String> l : List.of(functions, notrace, graphFunctions, options)) {
            l.forEach(w -> word("name", w));
        }
        if (tracer != null) {
            word("tracer", tracer);
        }
        if (clock != null) {
            word("clock", clock);
        }
    }

    private static void word(String what, String w) {
        if (!WORD.matcher(w).matches()) {
            throw new IllegalArgumentException(what + " '" + w + "': not a name tracefs knows (letters, digits, "
                    + "_ . : - and globs only)");
        }
    }

    /** True when nothing is asked: the agent serves what the guest enabled, as before. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /** True when a function tracer or a function filter is asked ({@code --host-config events} refuses those). */
    public boolean tracesFunctions() {
        return (tracer != null && !tracer.equals("nop")) || !functions.isEmpty() || !notrace.isEmpty()
                || !graphFunctions.isEmpty() || maxGraphDepth > 0;
    }
}
