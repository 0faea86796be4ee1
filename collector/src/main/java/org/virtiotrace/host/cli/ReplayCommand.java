package org.virtiotrace.host.cli;

import java.io.PrintWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.replay.AgainstAgent;
import org.virtiotrace.host.replay.RecordedSession;
import org.virtiotrace.host.replay.ReplayResult;
import org.virtiotrace.host.replay.ToDat;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.replay.ToFifos;
import org.virtiotrace.host.session.LogFormatException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "replay",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        header = "Play a session log back: into a trace.dat, into FIFOs as the guest, or into a live agent.",
        description = {
            "--to-dat FILE writes the trace.dat again from the log alone: the same bytes as the one written when it "
                + "was recorded (a log cut short gives a valid trace.dat of what it holds, exit 8).",
            "",
            "--to-fifos DIR makes the log's ports as FIFO pairs in DIR and plays the guest's side: requests are "
                + "answered as the recorded agent answered them, and after the host's 1 each CPU's data comes with "
                + "the recorded pacing (--speed max: at once); after its 0 the rest comes at once. 'virtio-trace "
                + "record DIR' run against it behaves as against the guest. Ends once all is played and the host has "
                + "said all it said in the recording (or on Ctrl-C).",
            "",
            "--against-agent DIR plays the recorded orders and requests, at their pace, into a live trace-agent "
                + "whose ports are the FIFO pairs in DIR ('trace-agent --port-dir DIR'), and compares: each reply "
                + "(there or not, status, kind) and the data's shape (whole pages; data after 1 where the recording "
                + "had some; none before the first 1). The first divergence ends it (exit 10) with the record's "
                + "index, the port, what was expected and what happened.",
        })
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG", description = "The session log ('virtio-trace record --session LOG').")
    Path log;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--to-dat", paramLabel = "FILE", description = "Write the trace.dat again.")
        Path toDat;

        @Option(names = "--to-fifos", paramLabel = "DIR", description = "Play the guest's side into FIFO pairs in DIR.")
        Path toFifos;

        @Option(names = "--against-agent", paramLabel = "DIR",
                description = "Drive the live agent whose ports are in DIR and compare.")
        Path againstAgent;
    }

    @Option(names = "--speed", paramLabel = "1|max", defaultValue = "1",
            description = "1: the recorded pacing (default); max: as fast as the other side takes it.")
    String speed;

    @Mixin
    PortNameOption portName;

    @Mixin
    FileFormatOptions fileFormat;

    @Override
    public Integer call() {
        if (!speed.equals("1") && !speed.equals("max")) {
            throw new ParameterException(spec.commandLine(), "--speed takes 1 or max, not " + speed);
        }
        TraceDatFormat format = fileFormat.format();
        if (mode.toDat == null && (fileFormat.compress != null || fileFormat.version != null)) {
            throw new ParameterException(spec.commandLine(), "--compress and --file-version go with --to-dat");
        }
        if (!Files.isRegularFile(log)) {
            err().println("virtio-trace: error: " + log + (Files.exists(log) ? ": not a file"
                    : ": no such file"));
            return Exit.BAD_LOG;
        }
        if (mode.toDat == null && !Native.isAvailable()) {
            err().println("virtio-trace: error: the native layer cannot load: " + Native.unavailabilityCause());
            return Exit.NATIVE;
        }
        try {
            RecordedSession s = RecordedSession.read(log);
            ReplayResult r;
            if (mode.toDat != null) {
                r = ToDat.run(s, mode.toDat, format);
            } else if (mode.toFifos != null) {
                ToFifos t = new ToFifos(s, mode.toFifos, speed.equals("1"), Native.get());
                onSignal(t::interrupt);
                r = t.run();
            } else {
                AgainstAgent a = new AgainstAgent(s, PortLayout.parse(mode.againstAgent.toString(), portName.format()),
                        speed.equals("1"), Native.get());
                onSignal(a::interrupt);
                r = a.run();
            }
            r.lines().forEach(l -> err().println("virtio-trace: " + l));
            return r.exit();
        } catch (LogFormatException e) {
            err().println("virtio-trace: error: " + e.getMessage());
            return e.damaged() ? Exit.INCOMPLETE : Exit.BAD_LOG;
        } catch (ExitException e) {
            err().println("virtio-trace: error: " + e.getMessage());
            return e.exit();
        } catch (IOException e) {
            err().println("virtio-trace: error: " + e.getMessage());
            return Exit.OUTPUT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Exit.SOFTWARE;
        } catch (RuntimeException e) {
            err().println("virtio-trace: error: " + e);
            return Exit.SOFTWARE;
        }
    }

    private static void onSignal(Runnable r) {
        Signal.handle(new Signal("INT"), x -> r.run());
        Signal.handle(new Signal("TERM"), x -> r.run());
    }

    /** Where messages go: picocli's writer, so a caller (a test running many at once) can take them. */
    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
