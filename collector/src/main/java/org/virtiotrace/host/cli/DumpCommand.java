package org.virtiotrace.host.cli;

import java.io.PrintWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.session.LogDump;
import org.virtiotrace.host.session.LogEnd;
import org.virtiotrace.host.session.LogFormatException;
import org.virtiotrace.host.session.LogReader;
import org.virtiotrace.host.session.SessionEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dump",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        header = "Print a session log, one line per record.",
        description = {
            "Prints each record of a log that 'record --session LOG' wrote: its index, seconds since the session "
                + "began, its event and what it carries (orders and requests as text, replies by id and size, data "
                + "chunks by size and pages), then where the log ends and why: at its end record, or cut short "
                + "(a recording killed, a full disk) at a given byte.",
            "",
            "--trace-events prints the events file with which QEMU's scripts/simpletrace.py reads the log "
                + "(also installed as /usr/share/virtio-trace/trace-events).",
        })
final class DumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "LOG", arity = "0..1", description = "The session log.")
    Path log;

    @Option(names = "--trace-events", description = "Print the trace-events file instead.")
    boolean traceEvents;

    @Override
    public Integer call() {
        if (traceEvents) {
            out().print(SessionEvent.traceEventsFile());
            out().flush();
            return Exit.OK;
        }
        if (log == null) {
            throw new ParameterException(spec.commandLine(), "a LOG is needed (or --trace-events)");
        }
        if (!Files.isRegularFile(log)) {
            err().println("virtio-trace: error: " + log + (Files.exists(log) ? ": not a file"
                    : ": no such file"));
            return Exit.BAD_LOG;
        }
        try (LogReader r = LogReader.open(log)) {
            LogEnd end = new LogDump(out()).dump(r);
            out().flush();
            return end.whole() ? Exit.OK : Exit.INCOMPLETE;
        } catch (LogFormatException e) {
            err().println("virtio-trace: error: " + e.getMessage());
            return e.damaged() ? Exit.INCOMPLETE : Exit.BAD_LOG;
        } catch (IOException e) {
            err().println("virtio-trace: error: " + log + ": " + e.getMessage());
            return Exit.BAD_LOG;
        }
    }

    /** Where messages go: picocli's writer, so a caller (a test running many at once) can take them. */
    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
