package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.ControlClient;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.control.MetadataExchange;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.pages.MarkerSearch;
import org.virtiotrace.host.session.SessionLog;

/**
 * The recording itself, in the order it happens: the handshake and metadata over the control
 * port, every CPU's port opened and read at full speed into checked pages, {@code 1}, clock
 * sync and liveness while it runs, {@code 0} on a signal or at the end of --duration, the tail,
 * what changed. Its result is {@link Recorded}; writing files is the caller's next step.
 */
final class Recording {
    private final RecordOptions opt;
    private final Native nat;
    private final SessionLog log;
    private final StopRequest stop;
    private final List<String> warnings = new ArrayList<>();
    /** How often the pages' marker search is asked while --until-marker waits. */
    static final int MARKER_LOOK_MS = 50;

    private final java.util.function.Consumer<String> notice;
    /** Told the CPUs' collectors once the ports are being read (a fleet's progress line). */
    private java.util.function.Consumer<List<CpuCollector>> onReading = cpus -> { };

    Recording(RecordOptions opt, Native nat, SessionLog log, StopRequest stop,
              java.util.function.Consumer<String> notice) {
        this.opt = opt;
        this.nat = nat;
        this.log = log;
        this.stop = stop;
        this.notice = notice;
    }

    /** {@code to} is told the collectors once every port is being read; set before {@link #run}. */
    Recording whenReading(java.util.function.Consumer<List<CpuCollector>> to) {
        this.onReading = to;
        return this;
    }

    Recorded run(PortLayout ports, HostRecording host) throws ExitException, IOException, InterruptedException {
        ControlClient ctl = guestSide("the control port cannot be opened",
                () -> new ControlClient(ports.open(nat, PortNames.CONTROL), log));
        ctl.abandonWaitsWhen(stop::asked);
        CpuCollectors cpus = null;
        Path spoolDir = null;
        boolean keepSpool = true;
        boolean tracing = false;
        boolean configured = false;
        MetadataExchange exchange = null;
        try {
            long stale = guestSide("the control port cannot be read", ctl::drainStale);
            if (stale > 0) {
                warnings.add(ctl.describe() + ": dropped " + stale + " bytes an earlier session left unread");
            }
            exchange = new MetadataExchange(ctl, opt.answerTimeoutMs(), opt.metaDir(), log, warnings);
            if (!opt.guest().isEmpty()) {
                String said = exchange.configure(opt.guest());
                configured = said != null;
                stoppedBeforeStart();
                notice.accept(said);
            }
            Metadata meta = exchange.fetch();
            // the kernel's counts now, before the final update replaces them: losses before the start
            FileSet atStart = new FileSet().putAll(meta.files());
            stoppedBeforeStart();
            String idle = meta.tracesNothing();
            if (opt.guest().isEmpty() && idle != null) {
                String line = "the guest traces nothing (" + idle + "): the file will hold heartbeats only; choose "
                        + "what to trace with -e (virtio-trace list " + opt.ports().dir() + " -e shows the events)";
                notice.accept("warning: " + line);
                warnings.add(line);
            }
            keepSpool = opt.rawDir() != null || !meta.usable();
            spoolDir = spoolDir(meta);
            List<Integer> cpuList = meta.cpus().isEmpty() ? ports.cpusPresent() : meta.cpus();
            Path spool = spoolDir;
            boolean inLog = !keepSpool;
            MarkerSearch marker = markerSearch(meta);
            // a compressed trace.dat takes chunks made as the pages come, unless the spool must stay
            // the raw streams (--raw, no metadata) or the session log holds the pages
            boolean compressAsItComes = opt.fileFormat().compressed() && !keepSpool && !log.enabled();
            cpus = guestSide("a data port cannot be opened", () -> CpuCollectors.open(nat, ports, cpuList, meta,
                    spool, inLog, opt.timeline().heartbeatId(), log, opt.bounds().maxSize(), marker,
                    compressAsItComes));
            long staleData = guestSide("a data port cannot be read", cpus::dropStale);
            if (staleData > 0) {
                warnings.add("dropped " + staleData + " bytes of trace data an earlier session left in the ports");
            }
            cpus.start();
            onReading.accept(cpus.list());
            Progress progress = new Progress(cpus.list(), opt.progress(), opt.bounds().maxSize() > 0);
            HeartbeatWatch liveness = new HeartbeatWatch(opt.timeline().heartbeatMisses(), meta.pageSize());
            TimelineSync sync = new TimelineSync(ctl, opt.timeline().syncIntervalMs(), opt.timeline().syncProbes(),
                    host.active(), host.traceId(), opt.timeline().date(), log, warnings);
            if (!meta.answered() && opt.timeline().syncProbes() > 0) {
                sync.agentSilent(); // it answered nothing so far: a clock probe would only wait too
            }

            stoppedBeforeStart();
            ctl.abandonWaitsWhen(() -> false); // from here a stop is the orderly one: the tail, the update
            host.begin();
            ctl.markWritesWith(text -> host.mark(ports, text));
            guestSide("the start order cannot be sent", () -> {
                ctl.order("1");
                return null;
            });
            tracing = true;
            long started = System.nanoTime();
            // the guest traces from the order on: the first sample and the counter come just after
            sync.atStart(meta.agentName());
            if (meta.answered()) {
                exchange.logHeartbeat();
            }
            MarkerHit hit = waitForStop(progress, cpus, started, sync, liveness, marker != null);

            long stoppedAt = System.nanoTime();
            boolean ordered = sendStop(ctl);
            boolean tailCut = false;
            if (ordered) {
                if (!cpus.awaitTail(stoppedAt, stop)) {
                    tailCut = true;
                    warnings.add(stop.hurry() ? "the second SIGINT/SIGTERM cut the wait for the ports' tail: pages "
                            + "still on their way are not in the file" : "the ports were still sending "
                            + CpuCollectors.TAIL_MAX_MS / 1000 + " s after the stop order; the file ends there");
                }
                if (!stop.hurry()) {
                    sync.atEnd();
                }
            }
            sync.finish();
            host.end();
            List<String> behind = liveness.check(cpus.list(), true, log);
            if (!behind.isEmpty()) {
                warnings.add("heartbeats stopped in the stream of " + String.join(", ", behind) + ": that CPU's pump "
                        + "stopped writing or its pages stopped coming (--heartbeat-misses "
                        + opt.timeline().heartbeatMisses() + ")");
            }
            boolean updated = meta.answered() && ordered && !stop.hurry() && exchange.update(meta);
            boolean agentGone = meta.answered() && ordered && !stop.hurry() && !updated;
            cpus.stopAndJoin();
            progress.finish();
            sync.measureCpuClocks(cpus.list());
            RecordingLog.totals(log, ctl, cpus.list());
            return new Recorded(meta, cpus.list(), sync, warnings, started, stoppedAt, ordered, tailCut, agentGone,
                    spoolDir, keepSpool, hit, updated ? atStart : null);
        } catch (ExitException | IOException | InterruptedException | RuntimeException e) {
            if (configured && !tracing && !(e instanceof ExitException x && x.exit() == Exit.NO_GUEST)) {
                ctl.abandonWaitsWhen(stop::hurry);
                exchange.cancelConfiguration(); // the guest is left as it was: the agent removes the instance
            }
            // the collectors first: one still running may write its spool file while it is removed
            if (cpus != null) {
                cpus.stopAndJoin();
                cpus.close();
                cpus = null;
            }
            // before the start order the spool can hold nothing worth keeping; --raw's directory is the user's
            boolean ours = spoolDir != null && !spoolDir.equals(opt.rawDir());
            String left = Recorded.removeSpool(spoolDir, keepSpool && (tracing || !ours));
            if (left != null && e instanceof ExitException x) {
                throw new ExitException(x.exit(), x.getMessage() + "; " + left);
            }
            throw e;
        } finally {
            if (cpus != null) {
                cpus.close();
            }
            ctl.close();
        }
    }

    /** A signal before the start order: the guest is left as it was, with nothing started. */
    private void stoppedBeforeStart() throws ExitException {
        if (stop.asked()) {
            throw new ExitException(Exit.STOPPED_BEFORE_START, "stopped (SIGINT or SIGTERM) before tracing started: "
                    + "the start order was not sent; nothing was recorded");
        }
    }

    private interface GuestStep<T> {
        T run() throws IOException, ExitException;
    }

    /**
     * A step of the guest's side before tracing starts: a port that fails here (the guest or QEMU
     * went away, the agent closed its end) ends the recording with exit 3 and one line.
     */
    private static <T> T guestSide(String what, GuestStep<T> step) throws ExitException {
        try {
            return step.run();
        } catch (IOException e) {
            throw new ExitException(Exit.NO_GUEST, (e.getMessage() == null ? e.toString() : e.getMessage()) + ": "
                    + what + " (the guest, QEMU or the agent went away before tracing started); nothing was recorded");
        }
    }

    /**
     * Where checked pages go while recording: --raw's directory, FILE.raw when no trace.dat can be
     * made (the raw streams are all there will be), else a hidden directory beside the output.
     */
    private Path spoolDir(Metadata meta) throws ExitException {
        Path dir;
        if (opt.rawDir() != null) {
            dir = opt.rawDir();
        } else if (!meta.usable()) {
            dir = Path.of(opt.output() == null ? "virtio-trace.raw" : opt.output() + ".raw");
        } else {
            // the output's name too: several guests recorded by one process may share a directory
            Path out = opt.output().toAbsolutePath();
            dir = out.getParent().resolve(".virtio-trace-" + ProcessHandle.current().pid() + "-" + out.getFileName());
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ExitException(Exit.OUTPUT, dir + ": cannot make the spool directory (" + OutputFiles.reason(e)
                    + "); nothing was recorded");
        }
    }

    /** --until-marker's search, or null (without it, or when the guest's metadata cannot say what a marker is). */
    private MarkerSearch markerSearch(Metadata meta) {
        String text = opt.bounds().untilMarker();
        if (text == null) {
            return null;
        }
        MarkerSearch m = MarkerSearch.of(text, meta.files(), meta.format());
        if (m == null) {
            String line = "--until-marker: the guest's metadata has no events/ftrace/print/format, so trace markers "
                    + "cannot be found; recording until stopped";
            notice.accept("warning: " + line);
            warnings.add(line);
        }
        return m;
    }

    /** Returns the --until-marker marker that ended the recording, or null. */
    private MarkerHit waitForStop(Progress progress, CpuCollectors cpus, long started, TimelineSync sync,
                                  HeartbeatWatch liveness, boolean watching) throws InterruptedException {
        long end = opt.duration() == null ? Long.MAX_VALUE : started + opt.duration().toNanos();
        long lastLogged = started;
        // a marker is looked for this often: the stop comes at most this late after --after
        long markerLook = watching ? TimeUnit.MILLISECONDS.toNanos(MARKER_LOOK_MS) : Long.MAX_VALUE;
        MarkerHit hit = null;
        while (true) {
            long now = System.nanoTime();
            if (watching && hit == null) {
                hit = MarkerHit.first(cpus.list(), now);
                if (hit != null) {
                    end = Math.min(end, now + opt.bounds().afterNanos());
                    log.event(org.virtiotrace.host.session.SessionEvent.NOTE, "the marker showed: " + hit.describe());
                }
            }
            long left = Math.min(Math.min(Math.min(end - now, TimeUnit.MILLISECONDS.toNanos(Progress.PERIOD_MS)),
                    Math.max(0, sync.nextDue() - now)), markerLook);
            if (end - now <= 0 || stop.await(left)) {
                return hit;
            }
            sync.tick();
            progress.draw(System.nanoTime() - started);
            if (System.nanoTime() - lastLogged >= TimeUnit.SECONDS.toNanos(1)) {
                lastLogged = System.nanoTime();
                RecordingLog.progress(log, cpus.list());
                List<String> behind = liveness.check(cpus.list(), false, log);
                progress.note(behind.isEmpty() ? "" : "  no heartbeat: " + String.join(", ", behind));
            }
            if (cpus.allEnded()) {
                warnings.add("every port closed before the stop: the guest went away");
                return hit;
            }
        }
    }

    private boolean sendStop(ControlClient ctl) {
        try {
            ctl.order("0");
            return true;
        } catch (IOException e) {
            warnings.add("cannot send the stop order: " + e.getMessage() + "; keeping what arrived");
            return false;
        }
    }
}
