package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.control.Metadata;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.pages.MarkerSearch;
import org.virtiotrace.host.session.SessionLog;

/** Every guest CPU's port reader, as one: opened together, started together, drained and stopped together. */
final class CpuCollectors implements AutoCloseable {
    /** After the stop order: the ports count as drained once all are quiet this long. */
    static final int TAIL_QUIET_MS = 500;
    /** ... or after this long whatever they do. */
    static final int TAIL_MAX_MS = 10_000;

    private final List<CpuCollector> collectors = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * Opens each CPU's port; its pages go to {@code spoolDir}/cpuN.raw, or stay in the session log
     * when {@code pagesInLog}. A CPU the guest names without a port is refused before any is read.
     */
    static CpuCollectors open(Native nat, PortLayout ports, List<Integer> cpus, Metadata meta, Path spoolDir,
                              boolean pagesInLog, int heartbeatId, SessionLog log, long maxSize, MarkerSearch marker,
                              boolean compress) throws ExitException, IOException {
        if (cpus.isEmpty()) {
            throw new ExitException(Exit.NO_GUEST, ports.missing(ports.dataName(0), 1));
        }
        for (int cpu : cpus) {
            if (!ports.has(ports.dataName(cpu))) {
                throw new ExitException(Exit.NO_GUEST, ports.missing(ports.dataName(cpu), cpus.size()));
            }
        }
        long beatKey = HeartbeatRecord.key(meta.eventId("ftrace", "raw_data"), heartbeatId);
        CpuCollectors all = new CpuCollectors();
        try {
            for (int cpu : cpus) {
                all.collectors.add(new CpuCollector(cpu, ports.open(nat, ports.dataName(cpu)),
                        spoolDir.resolve("cpu" + cpu + (compress ? ".zst" : ".raw")), meta.format(), log, pagesInLog,
                        beatKey, maxSize, marker, compress));
            }
        } catch (IOException e) {
            all.close();
            throw e;
        }
        return all;
    }

    List<CpuCollector> list() {
        return collectors;
    }

    /** Pages an earlier session left in the ports would start this trace with old events: read and dropped. */
    long dropStale() throws IOException {
        long n = 0;
        for (CpuCollector c : collectors) {
            n += c.dropStale();
        }
        return n;
    }

    void start() {
        for (CpuCollector c : collectors) {
            Thread t = new Thread(c, "cpu" + c.cpu);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    boolean allEnded() {
        return collectors.stream().allMatch(CpuCollector::ended);
    }

    /**
     * After the stop order: waits until every port has been quiet for {@link #TAIL_QUIET_MS} (or
     * gone); false when they were still sending after {@link #TAIL_MAX_MS}, or {@code stop} hurried.
     */
    boolean awaitTail(long stoppedAt, StopRequest stop) throws InterruptedException {
        long quiet = TimeUnit.MILLISECONDS.toNanos(TAIL_QUIET_MS);
        long max = stoppedAt + TimeUnit.MILLISECONDS.toNanos(TAIL_MAX_MS);
        while (!stop.hurry() && System.nanoTime() < max) {
            long now = System.nanoTime();
            if (collectors.stream().allMatch(c -> c.ended() || now - Math.max(c.lastByteNanos(), stoppedAt) > quiet)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Each thread finishes what it has and ends. */
    void stopAndJoin() throws InterruptedException {
        collectors.forEach(CpuCollector::stop);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    @Override
    public void close() {
        collectors.forEach(CpuCollector::close);
    }
}
