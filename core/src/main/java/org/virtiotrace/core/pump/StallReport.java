package org.virtiotrace.core.pump;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ring.PageRing;
import org.virtiotrace.core.ring.RingStats;
import org.virtiotrace.core.sink.Sink;
import org.virtiotrace.core.tracefs.CpuStats;
import org.virtiotrace.core.tracefs.StatsFile;

/**
 * One CPU's port stall, from the first write the port refused to the moment it takes data
 * again: when it began, the kernel's and the ring's counts at that moment, and what is said
 * when it ends (how long it lasted, what went through memory, how many events the kernel
 * overwrote meanwhile). Used by the pump thread only.
 */
final class StallReport {
    /** A port stall at least this long is reported with the kernel's overwrite count. */
    private static final long STALL_REPORT_NANOS = 1_000_000_000L;

    private final int cpu;
    private final Native nat;
    /**
     * The stats of the buffer the pump reads now (the agent's own, or a recording's instance).
     * Read at the start of every stall, and a port with a reader that drains it every few ms
     * "stalls" at most deliveries: so natively, without a file channel or a string.
     */
    private StatsFile stats;
    private final PageRing ring;
    private long stalledSince;
    /** The kernel's counts when the stall began, or when reading resumed in it; null while paused. */
    private CpuStats statsAtStall;
    private RingStats ringAtStall;
    /**
     * A stop order paused reading during the stall: what the kernel overwrites from then on is
     * the order's doing (the load goes on, nobody reads), not the port's, and is not counted.
     */
    private boolean paused;
    /** What the kernel overwrote in the stall while the agent read, before a pause. */
    private long lostBeforePause;

    /** @param ring the pump's memory ring; null in -o mode */
    StallReport(int cpu, Native nat, Path statsFile, PageRing ring) {
        this.cpu = cpu;
        this.nat = nat;
        this.stats = new StatsFile(nat, statsFile.toString());
        this.ring = ring;
    }

    /** The pump now reads another buffer: its losses are counted there. */
    void statsFrom(Path file) {
        stats = new StatsFile(nat, file.toString());
    }

    /** The port refused data at {@code now}: a stall begins, unless one already has. */
    void began(long now) {
        if (stalledSince == 0) {
            stalledSince = now;
            statsAtStall = statsOrNull();
            ringAtStall = ring == null ? null : ring.stats();
            paused = false;
            lostBeforePause = 0;
        }
    }

    /** A stop order paused reading (its tail delivered): the kernel's losses stop being the stall's. */
    void readingPaused() {
        if (stalledSince != 0 && !paused) {
            CpuStats now = statsOrNull();
            if (statsAtStall != null && now != null) {
                lostBeforePause += now.lostSince(statsAtStall);
            }
            statsAtStall = null;
            paused = true;
        }
    }

    /** A start order resumed reading while the port still holds up: losses count again from now. */
    void readingResumed() {
        if (stalledSince != 0 && paused) {
            statsAtStall = statsOrNull();
            paused = false;
        }
    }

    /** How long, at {@code now}, the port has accepted nothing; only while a stall is on. */
    long lasted(long now) {
        return now - stalledSince;
    }

    /** The port took a whole chunk straight from the pipe: a stall, if any, is over. */
    void portTookDataAgain(Sink port) {
        if (stalledSince != 0) {
            reportStall(System.nanoTime() - stalledSince, port);
            stalledSince = 0;
        }
    }

    /** The port took the last of the backlog: says what the stall (if any) cost, and ends it. */
    void backlogDelivered(Sink port) {
        if (stalledSince != 0 && ringAtStall != null) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalledSince);
            RingStats now = ring.stats();
            long lost = now.overwrittenBytes() - ringAtStall.overwrittenBytes();
            Log.notice("cpu%d: %s took the backlog (%d bytes went through memory); live pages go straight to it "
                    + "again after %.1f s%s", cpu, port.name(), now.writtenBytes() - ringAtStall.writtenBytes(),
                    ms / 1000.0, lost > 0 ? "; the ring overwrote " + lost + " of its oldest bytes"
                            : "; nothing was lost");
            reportKernelLoss(Double.NaN, port);
        } else {
            Log.notice("cpu%d: %s took the backlog; live pages go straight to it again", cpu, port.name());
        }
        stalledSince = 0;
    }

    private void reportStall(long nanos, Sink port) {
        if (nanos < STALL_REPORT_NANOS) {
            return;
        }
        double secs = nanos / 1e9;
        if (!reportKernelLoss(secs, port)) {
            Log.notice("cpu%d: %s accepted data again after %.1f s", cpu, port.name(), secs);
        }
    }

    /**
     * Says how many events the kernel overwrote since the stall began; false when it cannot
     * tell. {@code secs} is how long the port accepted nothing, or NaN when the backlog, not
     * the port's return, ends the stall.
     */
    private boolean reportKernelLoss(double secs, Sink port) {
        long lost = lostBeforePause;
        if (!paused) {
            CpuStats after = statsOrNull();
            if (statsAtStall == null || after == null) {
                return false;
            }
            lost += after.lostSince(statsAtStall);
        }
        String took = Double.isNaN(secs) ? "meanwhile" : String.format("in the %.1f s it accepted nothing", secs);
        if (lost > 0) {
            Log.warn("cpu%d: the kernel overwrote %d events %s", cpu, lost, took);
        } else if (!Double.isNaN(secs)) {
            Log.notice("cpu%d: %s accepted data again after %.1f s; the kernel lost no events", cpu, port.name(),
                    secs);
        }
        return true;
    }

    private CpuStats statsOrNull() {
        return stats.read();
    }
}
