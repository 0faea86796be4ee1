package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.ControlClient;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.control.MetadataExchange;
import org.virtiotrace.host.link.PortLayout;
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

    Recording(RecordOptions opt, Native nat, SessionLog log, StopRequest stop) {
        this.opt = opt;
        this.nat = nat;
        this.log = log;
        this.stop = stop;
    }

    Recorded run(PortLayout ports, HostRecording host) throws ExitException, IOException, InterruptedException {
        ControlClient ctl = new ControlClient(ports.open(nat, PortNames.CONTROL), log);
        CpuCollectors cpus = null;
        Path spoolDir = null;
        boolean keepSpool = true;
        try {
            long stale = ctl.drainStale();
            if (stale > 0) {
                warnings.add(ctl.describe() + ": dropped " + stale + " bytes an earlier session left unread");
            }
            MetadataExchange exchange = new MetadataExchange(ctl, opt.answerTimeoutMs(), opt.metaDir(), log, warnings);
            Metadata meta = exchange.fetch();
            keepSpool = opt.rawDir() != null || !meta.usable();
            spoolDir = spoolDir(meta);
            cpus = CpuCollectors.open(nat, ports, meta.cpus().isEmpty() ? ports.cpusPresent() : meta.cpus(), meta,
                    spoolDir, !keepSpool, opt.timeline().heartbeatId(), log);
            long staleData = cpus.dropStale();
            if (staleData > 0) {
                warnings.add("dropped " + staleData + " bytes of trace data an earlier session left in the ports");
            }
            cpus.start();
            Progress progress = new Progress(cpus.list(), opt.progress());
            HeartbeatWatch liveness = new HeartbeatWatch(opt.timeline().heartbeatMisses(), meta.pageSize());
            TimelineSync sync = new TimelineSync(ctl, opt.timeline().syncIntervalMs(), opt.timeline().syncProbes(),
                    host.active(), opt.timeline().date(), log, warnings);
            if (!meta.answered() && opt.timeline().syncProbes() > 0) {
                sync.agentSilent(); // it answered nothing so far: a clock probe would only wait too
            }

            host.begin();
            ctl.markWritesWith(host::mark);
            ctl.order("1");
            long started = System.nanoTime();
            // the guest traces from the order on: the first sample and the counter come just after
            sync.atStart(meta.agentName());
            if (meta.answered()) {
                exchange.logHeartbeat();
            }
            waitForStop(progress, cpus, started, sync, liveness);

            long stoppedAt = System.nanoTime();
            boolean ordered = sendStop(ctl);
            if (ordered) {
                if (!cpus.awaitTail(stoppedAt, stop)) {
                    warnings.add("the ports were still sending " + CpuCollectors.TAIL_MAX_MS / 1000
                            + " s after the stop order; the file ends there");
                }
                if (!stop.hurry()) {
                    sync.atEnd();
                }
            }
            host.end();
            List<String> behind = liveness.check(cpus.list(), true, log);
            if (!behind.isEmpty()) {
                warnings.add("heartbeats stopped in the stream of " + String.join(", ", behind) + ": that CPU's pump "
                        + "stopped writing or its pages stopped coming (--heartbeat-misses "
                        + opt.timeline().heartbeatMisses() + ")");
            }
            boolean agentGone = meta.answered() && ordered && !stop.hurry() && !exchange.update(meta);
            cpus.stopAndJoin();
            progress.finish();
            sync.measureCpuClocks(cpus.list());
            RecordingLog.totals(log, ctl, cpus.list());
            return new Recorded(meta, cpus.list(), sync, warnings, started, stoppedAt, agentGone, spoolDir, keepSpool);
        } catch (ExitException | IOException | InterruptedException | RuntimeException e) {
            Recorded.removeSpool(spoolDir, keepSpool);
            throw e;
        } finally {
            if (cpus != null) {
                cpus.close();
            }
            ctl.close();
        }
    }

    /**
     * Where checked pages go while recording: --raw's directory, FILE.raw when no trace.dat can be
     * made (the raw streams are all there will be), else a hidden directory beside the output.
     */
    private Path spoolDir(Metadata meta) throws IOException {
        Path dir;
        if (opt.rawDir() != null) {
            dir = opt.rawDir();
        } else if (!meta.usable()) {
            dir = Path.of(opt.output() == null ? "virtio-trace.raw" : opt.output() + ".raw");
        } else {
            dir = Files.createTempDirectory(opt.output().toAbsolutePath().getParent(), ".virtio-trace-");
        }
        return Files.createDirectories(dir);
    }

    private void waitForStop(Progress progress, CpuCollectors cpus, long started, TimelineSync sync,
                             HeartbeatWatch liveness) throws InterruptedException {
        long end = opt.duration() == null ? Long.MAX_VALUE : started + opt.duration().toNanos();
        long lastLogged = started;
        while (true) {
            long now = System.nanoTime();
            long left = Math.min(Math.min(end - now, TimeUnit.MILLISECONDS.toNanos(Progress.PERIOD_MS)),
                    Math.max(0, sync.nextDue() - now));
            if (end - now <= 0 || stop.await(left)) {
                return;
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
                return;
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
