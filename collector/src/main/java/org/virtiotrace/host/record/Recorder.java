package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.link.PortLock;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;

/**
 * {@code virtio-trace record}, top down: check and lock the ports (and set up --host before the
 * guest is touched), then the {@link Recording}, then the {@link OutputFiles}, then the
 * {@link Summary}. Every failure is one line and an exit status; whatever arrived is written.
 */
public final class Recorder {
    private final RecordOptions opt;
    private final Native nat;
    private final StopRequest stop;
    /** The host trace a {@link Fleet} shares between its guests, or null: this recording has its own. */
    private final HostRecording sharedHost;
    /**
     * Held while this recording writes its files: a fleet's guests take turns, since a write holds
     * the guest's metadata (kallsyms and formats, ~10 MB) in more than one copy for a moment, and
     * eight at once add up (with 8 guests the process's memory rose ~80 MB at the end; taking turns
     * alone took its peak only from 397 to 389 MiB: the heap flags of the launcher did the rest).
     */
    private final Object writing;
    private java.util.function.Consumer<String> notice = line -> System.err.println("virtio-trace: " + line);
    private java.util.function.Consumer<java.util.List<CpuCollector>> onReading = cpus -> { };

    public Recorder(RecordOptions opt, Native nat) {
        this(opt, nat, new StopRequest(), null, new Object());
    }

    /** One guest of a {@link Fleet}: its stop, its host trace and its turn to write are the fleet's. */
    Recorder(RecordOptions opt, Native nat, StopRequest stop, HostRecording sharedHost, Object writing) {
        this.opt = opt;
        this.nat = nat;
        this.stop = stop;
        this.sharedHost = sharedHost;
        this.writing = writing;
    }

    /** Where a line the user should see before the recording ends goes (the command's stderr). */
    public Recorder notices(java.util.function.Consumer<String> to) {
        this.notice = to;
        return this;
    }

    /** A fleet's progress line learns this guest's collectors once its ports are being read. */
    Recorder whenReading(java.util.function.Consumer<java.util.List<CpuCollector>> to) {
        this.onReading = to;
        return this;
    }

    /** SIGINT/SIGTERM: the first stops the recording; a second skips the waits that remain. Any thread. */
    public void interrupt() {
        stop.interrupt();
    }

    /** Records; returns the summary (the exit status and lines to print). */
    public Summary run() throws ExitException, IOException, InterruptedException {
        PortLayout ports = opt.ports();
        if (!Files.isDirectory(ports.dir()) || !ports.has(PortNames.CONTROL)) {
            throw new ExitException(Exit.NO_GUEST, ports.missing(PortNames.CONTROL, ports.cpusPresent().size()));
        }
        OutputFiles.checkWritable(opt);
        if (sharedHost != null) {
            return withHost(ports, sharedHost);
        }
        // --host is refused before anything touches the ports or the guest
        try (HostRecording host = HostRecording.prepare(opt, nat, false)) {
            return withHost(ports, host);
        }
    }

    private Summary withHost(PortLayout ports, HostRecording host)
            throws ExitException, IOException, InterruptedException {
        try (PortLock lock = PortLock.take(ports.dir(), "records from these ports; two readers would split the "
                + "pages between them")) {
            SessionLog log = RecordingLog.open(opt);
            try {
                Recorded recorded = new Recording(opt, nat, log, stop, notice).whenReading(onReading).run(ports, host);
                Summary summary;
                try {
                    List<String> written;
                    synchronized (writing) {
                        written = OutputFiles.write(opt, recorded, host, ports, log);
                    }
                    summary = Summary.of(opt, recorded, written);
                } catch (ExitException e) {
                    String left = recorded.removeSpool();
                    throw left == null ? e : new ExitException(e.exit(), e.getMessage() + "; " + left);
                }
                String left = recorded.removeSpool();
                if (left != null) {
                    summary.lines().add("warning: " + left);
                }
                RecordingLog.close(log, summary);
                return summary;
            } catch (ExitException e) {
                log.event(SessionEvent.NOTE, "error: " + e.getMessage());
                log.end(e.exit());
                throw e;
            } finally {
                log.close();
            }
        }
    }
}
