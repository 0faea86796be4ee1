package org.virtiotrace.host.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.posix.HostPosix;
import org.virtiotrace.host.record.RecordException;
import org.virtiotrace.host.record.RecordOptions;
import org.virtiotrace.host.record.Recorder;
import org.virtiotrace.host.record.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "record",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        header = "Record the guest's trace through its ports into a trace.dat.",
        description = {
            "Asks the guest's trace-agent for its metadata (tracefs formats, kallsyms, comm names) over the control "
                + "port, sends 1, reads every CPU's port at full speed until Ctrl-C, SIGTERM or --duration, sends 0, "
                + "takes the tail and what changed (comm names, CPU stats), and writes the trace.dat.",
            "",
            "TARGET is DIR (FIFO pairs NAME.in/NAME.out of QEMU's pipe chardevs, as 'setup' makes them) or unix:DIR "
                + "(unix sockets NAME of QEMU's socket chardevs).",
            "",
            "A second Ctrl-C skips the waits that remain (the tail, the final update): the file is written at once, "
                + "valid up to the last whole page. On a terminal one line shows progress: per CPU the MB received "
                + "and the rate, and the events the guest's kernel lost so far.",
        })
final class RecordCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TARGET", description = "DIR or unix:DIR: where the guest's ports are.")
    String target;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The trace.dat to write (default: trace.dat).")
    Path output;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds.")
    Double duration;

    @Option(names = "--raw", paramLabel = "DIR",
            description = "Also keep each CPU's stream (cpuN.raw) and the metadata files here: what trace-cmd restore takes.")
    Path raw;

    @Option(names = "--meta", paramLabel = "DIR",
            description = "Metadata from 'trace-agent export-meta DIR' in the guest, for an agent that does not answer "
                    + "(the C trace-agent).")
    Path meta;

    @Option(names = "--session", paramLabel = "LOG",
            description = "Also record everything that crosses the ports (orders, requests, replies, every chunk of "
                    + "every CPU's data, opens, errors, progress) in a session log, a QEMU simpletrace v4 file: "
                    + "'virtio-trace dump LOG' shows it, 'virtio-trace replay LOG' plays it back.")
    Path session;

    @Mixin
    PortNameOption portName;

    @Option(names = "--answer-timeout", paramLabel = "MS", defaultValue = "5000",
            description = "How long the agent has to answer the handshake (default: ${DEFAULT-VALUE}).")
    int answerTimeoutMs;

    @Option(names = "--no-progress", description = "No progress line, even on a terminal.")
    boolean noProgress;

    @Override
    public Integer call() {
        if (duration != null && !(duration > 0)) {
            throw new ParameterException(spec.commandLine(), "--duration must be more than 0 seconds");
        }
        if (meta != null && !Files.isRegularFile(meta.resolve("events/header_page"))) {
            throw new ParameterException(spec.commandLine(), "--meta " + meta + ": no events/header_page in it; make "
                    + "it with 'trace-agent export-meta DIR' in the guest");
        }
        if (!Native.isAvailable()) {
            System.err.println("virtio-trace: error: the native layer cannot load: " + Native.unavailabilityCause());
            return Exit.NATIVE;
        }
        Path out = output != null ? output : Path.of("trace.dat");
        RecordOptions opt = new RecordOptions(PortLayout.parse(target, portName.format()), out, raw, meta,
                duration == null ? null : Duration.ofMillis((long) (duration * 1000)), answerTimeoutMs,
                !noProgress && HostPosix.stderrIsTerminal(), session);
        Recorder recorder = new Recorder(opt, Native.get());
        Signal.handle(new Signal("INT"), s -> recorder.interrupt());
        Signal.handle(new Signal("TERM"), s -> recorder.interrupt());
        try {
            Summary s = recorder.run();
            s.lines().forEach(l -> System.err.println("virtio-trace: " + l));
            return s.exit();
        } catch (RecordException e) {
            System.err.println("virtio-trace: error: " + e.getMessage());
            return e.exit();
        } catch (Exception e) {
            System.err.println("virtio-trace: error: " + e);
            return Exit.SOFTWARE;
        }
    }
}
