package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;

/**
 * One recording: handshake and metadata over the control port, {@code 1}, every CPU's port
 * read at full speed, {@code 0} on a signal or at the end of --duration, the tail, what
 * changed, then the trace.dat. Every failure is one line and an exit status; whatever arrived
 * is written.
 */
public final class Recorder {
    private final RecordOptions opt;
    private final Native nat;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean hurry;
    private final List<String> warnings = new ArrayList<>();
    /** --session's log, or {@link SessionLog#NONE}: set once at the start of {@link #run}. */
    private SessionLog log = SessionLog.NONE;

    public Recorder(RecordOptions opt, Native nat) {
        this.opt = opt;
        this.nat = nat;
    }

    /** SIGINT/SIGTERM: the first stops the recording; a second skips the waits that remain. Any thread. */
    public void interrupt() {
        if (stopRequested.getCount() == 0) {
            hurry = true;
        }
        stopRequested.countDown();
    }

    /** Records; returns the summary (the exit status and lines to print). */
    public Summary run() throws RecordException, IOException, InterruptedException {
        PortLayout ports = opt.ports();
        if (!Files.isDirectory(ports.dir()) || !ports.has(PortLayout.CTL)) {
            throw new RecordException(Exit.NO_GUEST, ports.missing(PortLayout.CTL, ports.cpusPresent().size()));
        }
        String[] holder = new String[1];
        // --host is refused before anything touches the ports or the guest
        try (HostRecording host = HostRecording.prepare(opt, nat);
             SessionLock lock = SessionLock.tryTake(ports.dir(), holder).orElseThrow(() -> new RecordException(
                Exit.BUSY, ports.dir().resolve(SessionLock.NAME) + ": another virtio-trace (" + holder[0]
                        + ") records from these ports; two readers would split the pages between them"))) {
            log = RecordingLog.open(opt);
            Summary summary = null;
            try {
                summary = record(ports, host);
                return summary;
            } catch (RecordException e) {
                log.event(SessionEvent.NOTE, "error: " + e.getMessage());
                log.end(e.exit());
                throw e;
            } finally {
                if (summary != null) {
                    RecordingLog.close(log, summary);
                }
                log.close();
            }
        }
    }

    private Summary record(PortLayout ports, HostRecording host)
            throws RecordException, IOException, InterruptedException {
        ControlClient ctl = new ControlClient(ports.open(nat, PortLayout.CTL), log);
        List<CpuCollector> collectors = new ArrayList<>();
        Path spoolDir = null;
        boolean keepSpool = true;
        try {
            long stale = ctl.drainStale();
            if (stale > 0) {
                warnings.add(ctl.describe() + ": dropped " + stale + " bytes an earlier session left unread");
            }
            MetadataExchange exchange = new MetadataExchange(ctl, opt, log, warnings);
            Metadata meta = exchange.fetch();
            List<Integer> cpus = meta.cpus().isEmpty() ? ports.cpusPresent() : meta.cpus();
            if (cpus.isEmpty()) {
                throw new RecordException(Exit.NO_GUEST, ports.missing(ports.dataName(0), 1));
            }
            for (int cpu : cpus) {
                if (!ports.has(ports.dataName(cpu))) {
                    throw new RecordException(Exit.NO_GUEST, ports.missing(ports.dataName(cpu), cpus.size()));
                }
            }
            keepSpool = opt.rawDir() != null || !meta.usable();
            if (opt.rawDir() != null) {
                spoolDir = opt.rawDir();
            } else if (!meta.usable()) {
                // no trace.dat can be made: the raw streams are all there will be, so keep them
                spoolDir = Path.of(opt.output() == null ? "virtio-trace.raw" : opt.output() + ".raw");
            } else {
                spoolDir = Files.createTempDirectory(opt.output().toAbsolutePath().getParent(), ".virtio-trace-");
            }
            Files.createDirectories(spoolDir);
            for (int cpu : cpus) {
                collectors.add(new CpuCollector(cpu, ports.open(nat, ports.dataName(cpu)),
                        spoolDir.resolve("cpu" + cpu + ".raw"), meta.pageSize(), meta.order(), meta.longSize(), log,
                        !keepSpool, PageCheck.beatKey(meta.eventId("ftrace", "raw_data"), opt.timeline().heartbeatId())));
            }
            long staleData = drainStaleData(collectors);
            if (staleData > 0) {
                warnings.add("dropped " + staleData + " bytes of trace data an earlier session left in the ports");
            }
            List<Thread> threads = new ArrayList<>();
            for (CpuCollector c : collectors) {
                Thread t = new Thread(c, "cpu" + c.cpu);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            Progress progress = new Progress(collectors, opt.progress());
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
            waitForStop(progress, collectors, started, sync, liveness);
            long stoppedAt = System.nanoTime();
            boolean ordered = sendStop(ctl);
            if (ordered) {
                awaitTail(collectors, stoppedAt);
                if (!hurry) {
                    sync.atEnd();
                }
            }
            host.end();
            List<String> behind = liveness.check(collectors, true, log);
            if (!behind.isEmpty()) {
                warnings.add("heartbeats stopped in the stream of " + String.join(", ", behind) + ": that CPU's pump "
                        + "stopped writing or its pages stopped coming (--heartbeat-misses " + opt.timeline()
                        .heartbeatMisses() + ")");
            }
            boolean agentGone = meta.answered() && ordered && !hurry && !exchange.update(meta);
            for (CpuCollector c : collectors) {
                c.stop();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
            progress.finish();
            sync.measureCpuClocks(collectors);
            RecordingLog.totals(log, ctl, collectors);
            Summary summary = Summary.write(opt, meta, collectors, warnings, started, stoppedAt, agentGone, spoolDir,
                    sync);
            if (opt.output() != null && meta.usable()) {
                host.write(summary.lines(), ports, cpus.size(), sync.hostTraceId(), sync.guestTraceId(), opt.output(),
                        sync.dateOffset());
            }
            return summary;
        } finally {
            collectors.forEach(CpuCollector::close);
            ctl.close();
            if (spoolDir != null && !keepSpool) {
                deleteTree(spoolDir);
            }
        }
    }

    /** Pages an earlier session left in the ports would start this trace with old events. */
    private static long drainStaleData(List<CpuCollector> collectors) throws IOException {
        long n = 0;
        for (CpuCollector c : collectors) {
            n += c.dropStale();
        }
        return n;
    }

    private void waitForStop(Progress progress, List<CpuCollector> collectors, long started, TimelineSync sync,
                             HeartbeatWatch liveness) throws InterruptedException {
        long end = opt.duration() == null ? Long.MAX_VALUE : started + opt.duration().toNanos();
        long lastLogged = started;
        while (true) {
            long now = System.nanoTime();
            long left = Math.min(Math.min(end - now, TimeUnit.MILLISECONDS.toNanos(Progress.PERIOD_MS)),
                    Math.max(0, sync.nextDue() - now));
            if (end - now <= 0 || stopRequested.await(left, TimeUnit.NANOSECONDS)) {
                return;
            }
            sync.tick();
            progress.draw(System.nanoTime() - started);
            if (System.nanoTime() - lastLogged >= TimeUnit.SECONDS.toNanos(1)) {
                lastLogged = System.nanoTime();
                RecordingLog.progress(log, collectors);
                List<String> behind = liveness.check(collectors, false, log);
                progress.note(behind.isEmpty() ? "" : "  no heartbeat: " + String.join(", ", behind));
            }
            if (collectors.stream().allMatch(CpuCollector::ended)) {
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

    /** Waits until every port has been quiet for a while after the stop order (or gone). */
    private void awaitTail(List<CpuCollector> collectors, long stoppedAt) throws InterruptedException {
        long quiet = TimeUnit.MILLISECONDS.toNanos(RecordOptions.TAIL_QUIET_MS);
        long max = stoppedAt + TimeUnit.MILLISECONDS.toNanos(RecordOptions.TAIL_MAX_MS);
        while (!hurry && System.nanoTime() < max) {
            long now = System.nanoTime();
            boolean done = collectors.stream().allMatch(c -> c.ended()
                    || now - Math.max(c.lastByteNanos(), stoppedAt) > quiet);
            if (done) {
                return;
            }
            Thread.sleep(20);
        }
        if (!hurry) {
            warnings.add("the ports were still sending " + RecordOptions.TAIL_MAX_MS / 1000
                    + " s after the stop order; the file ends there");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
