package org.virtiotrace.host.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.virtiotrace.core.config.ListQuery;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.OneQuestion;
import org.virtiotrace.host.link.PortLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "list",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "List what the guest can trace: events, tracers, trace options, functions (as trace-cmd list).",
        description = {
            "Asks the guest's agent over the control port (?list) and prints its answer on stdout, one name a line, "
                + "as 'trace-cmd list' prints them on the machine itself. What it names is what 'virtio-trace record' "
                + "takes with -e, -p, -O and -l. With no option: events, tracers and options.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:listed", "2:invalid command line", "3:no agent answered (or no control port), or it "
                + "cannot list that", "5:a recording holds the ports", "6:native layer unavailable"})
final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TARGET", description = "DIR or unix:DIR: where the guest's ports are.")
    String target;

    @Option(names = "-e", arity = "0..1", fallbackValue = "", paramLabel = "GLOB",
            description = "The guest's events, system:event, those matching GLOB ('sched:*', 'irq') if given.")
    String events;

    @Option(names = "-t", description = "The guest's tracers.")
    boolean tracers;

    @Option(names = "-o", description = "The guest's trace options.")
    boolean options;

    @Option(names = "-f", arity = "0..1", fallbackValue = "", paramLabel = "GLOB",
            description = "Functions the guest can filter on (-l), those matching GLOB if given (there can be tens "
                    + "of thousands; the list travels compressed).")
    String functions;

    @Option(names = "--answer-timeout", paramLabel = "MS", defaultValue = "20000",
            description = "How long the agent has to answer (default: ${DEFAULT-VALUE}; a TCG guest reads its "
                    + "function list slowly).")
    int timeoutMs;

    @Mixin
    PortNameOption portName;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ListQuery> asked = new ArrayList<>();
        if (events != null) {
            asked.add(new ListQuery(ListQuery.Kind.EVENTS, events.isEmpty() ? null : events));
        }
        if (tracers) {
            asked.add(new ListQuery(ListQuery.Kind.TRACERS, null));
        }
        if (options) {
            asked.add(new ListQuery(ListQuery.Kind.OPTIONS, null));
        }
        if (functions != null) {
            asked.add(new ListQuery(ListQuery.Kind.FUNCTIONS, functions.isEmpty() ? null : functions));
        }
        boolean headed = asked.isEmpty();
        if (headed) {
            asked = List.of(new ListQuery(ListQuery.Kind.EVENTS, null), new ListQuery(ListQuery.Kind.TRACERS, null),
                    new ListQuery(ListQuery.Kind.OPTIONS, null));
        }
        if (!Native.isAvailable()) {
            err.println("virtio-trace: error: the native layer cannot load: " + Native.unavailabilityCause());
            return Exit.NATIVE;
        }
        try {
            PortLayout ports = PortLayout.parse(target, portName.format());
            for (ListQuery q : asked) {
                String text = OneQuestion.ask(ports, Native.get(), timeoutMs, "no agent, or one that cannot list "
                        + "(the C trace-agent or an older trace-agent)", Exit.NO_GUEST,
                        ctl -> ctl.askText("list", q.encode(), timeoutMs)).text();
                if (headed) {
                    out.println(q.kind().word() + ":");
                }
                out.print(text);
                out.flush();
            }
            return Exit.OK;
        } catch (ExitException e) {
            err.println("virtio-trace: error: " + e.getMessage());
            return e.exit();
        }
    }
}
