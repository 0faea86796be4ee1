package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.host.control.ControlClient;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;
import org.virtiotrace.host.sync.ClockProber;
import org.virtiotrace.host.sync.CpuClocks;
import org.virtiotrace.host.sync.Probe;
import org.virtiotrace.host.sync.SyncFile;
import org.virtiotrace.host.sync.SyncReport;
import org.virtiotrace.host.sync.SyncSample;
import org.virtiotrace.host.sync.SyncSeries;
import org.virtiotrace.host.tracedat.TimeOptions;

/**
 * Clock sync during a recording, on the recording's own thread (the control port has one
 * user): a burst right after the start order, one every --sync-interval while tracing, one at the
 * end (trace-cmd extrapolates before the first sample and after the last). An
 * agent that never answers (the C agent, an older one) is said once and not asked again.
 */
final class TimelineSync {
    private final ClockProber prober;
    private final SessionLog log;
    private final List<String> warnings;
    private final long intervalNanos;
    private final int intervalMs;
    private final SyncSeries series = new SyncSeries();
    private String agentName = "unnamed";
    private final long guestTraceId;
    private final long hostTraceId;
    private boolean off;
    private long next = Long.MAX_VALUE;

    /** Whether the guest file gets TRACEID (and TIME_SHIFT with samples): with clock sync or a host file. */
    private final boolean linked;

    /** --date: host CLOCK_REALTIME minus CLOCK_MONOTONIC, added to every time (OFFSET), or null. */
    private final Long dateOffset;

    /** @param hostTraceId the host file's TRACEID, which the guest's TIME_SHIFT names as its peer */
    TimelineSync(ControlClient ctl, int intervalMs, int probes, boolean hostFile, long hostTraceId, boolean date,
                 SessionLog log, List<String> warnings) {
        this.prober = new ClockProber(ctl::askTimed, probes);
        this.log = log;
        this.warnings = warnings;
        this.intervalMs = intervalMs;
        this.intervalNanos = intervalMs * 1_000_000L;
        this.off = probes <= 0;
        SecureRandom r = new SecureRandom();
        this.guestTraceId = r.nextLong();
        this.hostTraceId = hostTraceId;
        this.linked = probes > 0 || hostFile;
        this.dateOffset = date ? ClockProber.wallMinusMono() : null;
        if (linked) {
            log.event(SessionEvent.TRACE_IDS, guestTraceId, hostTraceId, date ? dateOffset : 0L);
        }
    }

    /** The agent answers no request at all (the C agent): no clock sync, said once. */
    void agentSilent() {
        off = true;
        warnings.add("clock sync: the agent answers no request, so no ?clock either; recording without alignment: "
                + "the trace.dat keeps the guest's own times");
    }

    /**
     * The first burst, right after the start order. An agent that refuses (a cycle-counter clock)
     * turns sync off, said once; one that does not answer yet is asked again at the next burst.
     */
    void atStart(String agentName) {
        if (off) {
            return;
        }
        this.agentName = agentName;
        try {
            burst();
        } catch (IOException e) {
            noteGap(e.getMessage());
        }
        if (series.isEmpty() && prober.refused()) {
            off = true;
            warnings.add("clock sync: " + prober.problem() + " (agent " + agentName + "); recording without "
                    + "alignment: the guest file keeps the guest's own times");
        }
        next = System.nanoTime() + intervalNanos;
    }

    /**
     * After the last burst: with no sample from any burst, the recording is without alignment,
     * said once with how many bursts were asked.
     */
    void finish() {
        int[] b = prober.bursts();
        if (!off && series.isEmpty() && b[0] > 0) {
            warnings.add("clock sync: none of " + b[0] + " bursts of ?clock was answered (" + prober.problem()
                    + "; agent " + agentName + "); recording without alignment: the guest file keeps the guest's "
                    + "own times");
        }
    }

    /** When the next burst is due (System.nanoTime), or Long.MAX_VALUE. */
    long nextDue() {
        return off || intervalNanos <= 0 ? Long.MAX_VALUE : next;
    }

    /** A burst if one is due. Never throws: a failed burst is a gap, tracing goes on. */
    void tick() {
        if (System.nanoTime() - nextDue() < 0) {
            return;
        }
        try {
            burst();
        } catch (IOException e) {
            noteGap(e.getMessage());
        }
        next = System.nanoTime() + intervalNanos;
    }

    /** The last burst, after the stop order's tail. */
    void atEnd() {
        if (off) {
            return;
        }
        try {
            burst();
        } catch (IOException e) {
            noteGap(e.getMessage());
        }
    }

    private void burst() throws IOException {
        Optional<SyncSample> s = prober.sample();
        if (s.isEmpty()) {
            noteGap(prober.problem());
            if (prober.refused() && !series.isEmpty()) {
                off = true;
            }
            return;
        }
        Probe p = s.get().best();
        log.event(SessionEvent.SYNC_SAMPLE, p.hostSent(), p.guestReceived(), p.guestReplied(), p.hostReceived(),
                p.guestRealtimeMinusMono(), p.hostRealtimeMinusMono(), p.clockError(), p.traceMinusMono(),
                ((long) s.get().probes() << 32) | (s.get().asked() & 0xffff_ffffL));
        String note = series.add(s.get(), prober.clock());
        if (note != null) {
            log.event(SessionEvent.NOTE, note);
        }
    }

    private void noteGap(String why) {
        String note = series.missed(System.nanoTime(), why);
        if (note != null) {
            log.event(SessionEvent.NOTE, note);
        }
    }

    /** Each CPU's clock from its heartbeats (docs/clock-sync.md), logged; once the collectors' threads ended. */
    void measureCpuClocks(List<CpuCollector> collectors) {
        if (series.isEmpty()) {
            return;
        }
        Map<Integer, List<HeartbeatRecord.Beat>> perCpu = new TreeMap<>();
        collectors.forEach(c -> perCpu.put(c.cpu, c.heartbeatTimes()));
        boolean applied = CpuClocks.perCpu(series.clock());
        series.cpuClocks(CpuClocks.measure(series.samples(), perCpu), applied);
        for (CpuClocks.CpuClock c : series.cpuClocks()) {
            log.event(SessionEvent.CPU_CLOCK, (long) c.cpu(), (long) c.beats(), c.offsetNs(), c.spreadNs(),
                    applied ? 1L : 0L);
        }
    }

    SyncSeries series() {
        return series;
    }

    /** TRACEID and, with samples, TIME_SHIFT for every guest CPU (index = CPU, {@code cpuCount} of them). */
    TimeOptions guestOptions(int cpuCount) {
        return linked ? series.guestOptions(guestTraceId, hostTraceId, cpuCount).withOffset(dateOffset)
                : TimeOptions.NONE;
    }

    long guestTraceId() {
        return guestTraceId;
    }

    long hostTraceId() {
        return hostTraceId;
    }

    /** --date's offset for the host file too, or null. */
    Long dateOffset() {
        return dateOffset;
    }

    /** Writes FILE.sync beside the guest file; returns it, or null without samples. */
    Path writeBeside(Path traceDat) throws IOException {
        if (series.isEmpty()) {
            return null;
        }
        Path f = SyncFile.beside(traceDat);
        SyncFile.write(f, series, intervalMs);
        return f;
    }

    List<String> summary() {
        if (series.isEmpty()) {
            return List.of();
        }
        List<String> lines = new java.util.ArrayList<>(SyncReport.summary(series.clock(), series.method(),
                series.samples(), series.gaps(), series.notes(), series.cpuClocks(), series.cpuClocksApplied()));
        int[] b = prober.bursts();
        if (b[1] < b[0]) {
            lines.add("  " + b[1] + " of " + b[0] + " bursts answered; aligned on those");
        }
        return lines;
    }
}
