package org.virtiotrace.host.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.heartbeat.HeartbeatRecord.Beat;
import org.virtiotrace.host.sync.CpuClocks.CpuClock;
import org.virtiotrace.host.tracedat.TimeOptions;

/**
 * Each CPU's trace clock from its heartbeats, against the clock the probes read: the maths, on
 * samples and heartbeats built by hand (TimelineTest and TimelineInGuestTest run it on real ones,
 * TimeOptionsTest shows trace-cmd applying per-CPU TIME_SHIFT).
 */
class CpuClocksTest {
    private static final long S = 1_000_000_000L;

    /** A sample whose guest trace time is {@code trace}, that clock being mono + {@code traceMinusMono}. */
    private static SyncSample sample(long trace, long traceMinusMono, long offset) {
        long hostMid = trace + offset;
        Probe p = new Probe(hostMid - 1000, trace - 100, trace + 100, hostMid + 1000, 0, 0, 0, traceMinusMono);
        return new SyncSample(p, 10, 10, "marker");
    }

    /** Heartbeats once a second on a CPU whose clock is {@code ahead} of the probed one, written {@code latency} after the stamp. */
    private static List<Beat> beats(long traceMinusMono, long ahead, long latency, int n) {
        List<Beat> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            long mono = 100 * S + i * S;
            out.add(new Beat(mono + traceMinusMono + ahead + latency, mono));
        }
        return out;
    }

    private static final long TMM = 5 * S;
    private static final List<SyncSample> SAMPLES = List.of(sample(100 * S + TMM, TMM, 7 * S),
            sample(110 * S + TMM, TMM, 7 * S));

    @Test
    void a_cpu_whose_clock_runs_ahead_of_the_probed_one_is_measured_by_that_much() {
        List<CpuClock> c = CpuClocks.measure(SAMPLES, new TreeMap<>(Map.of(0, beats(TMM, 0, 3_000, 5),
                1, beats(TMM, 250_000, 3_000, 5))));
        assertEquals(List.of(new CpuClock(0, 5, 3_000, 0), new CpuClock(1, 5, 253_000, 0)), c);
    }

    @Test
    void each_heartbeat_is_judged_against_the_nearest_probes_calibration() {
        // the probed clock moved 40 us against CLOCK_MONOTONIC between the two samples (NTP slewing mono)
        List<SyncSample> moving = List.of(sample(100 * S + TMM, TMM, 7 * S), sample(110 * S + TMM + 40_000,
                TMM + 40_000, 7 * S));
        List<Beat> early = List.of(new Beat(101 * S + TMM, 101 * S));
        List<Beat> late = List.of(new Beat(109 * S + TMM + 40_000, 109 * S));
        List<CpuClock> c = CpuClocks.measure(moving, new TreeMap<>(Map.of(0, early, 1, late)));
        assertEquals(0, c.get(0).offsetNs());
        assertEquals(0, c.get(1).offsetNs());
    }

    @Test
    void the_median_ignores_a_heartbeat_written_late_after_its_stamp() {
        List<Beat> b = new ArrayList<>(beats(TMM, 0, 2_000, 4));
        b.add(new Beat(106 * S + TMM + 9_000_000, 106 * S)); // preempted 9 ms between stamp and write
        CpuClock c = CpuClocks.measure(SAMPLES, Map.of(0, b)).get(0);
        assertEquals(2_000, c.offsetNs());
        assertEquals(9_000_000 - 2_000, c.spreadNs(), "the spread shows it");
    }

    @Test
    void the_probes_half_bracket_is_taken_off_as_their_marker_sat_in_the_middle_of_it() {
        // the marker method: the probe's marker was written inside a 240 us bracket, its
        // trace-minus-mono taken against the bracket's middle; a heartbeat's against its write's start
        long half = 120_000;
        Probe p = new Probe(100 * S + TMM + 7 * S - 1000, 100 * S + TMM - 100, 100 * S + TMM + 100,
                100 * S + TMM + 7 * S + 1000, 0, 0, half, TMM - half + 30_000);
        List<Beat> b = List.of(new Beat(101 * S + TMM + 30_000, 101 * S));
        assertEquals(0, CpuClocks.measure(List.of(new SyncSample(p, 10, 10, "marker")), Map.of(0, b)).get(0).offsetNs());
    }

    @Test
    void a_cpu_without_heartbeats_is_not_measured_and_nothing_is_measured_without_samples() {
        assertEquals(List.of(1), CpuClocks.measure(SAMPLES, new TreeMap<>(Map.of(0, List.of(),
                1, beats(TMM, 0, 0, 2)))).stream()
                .map(CpuClock::cpu).toList());
        assertTrue(CpuClocks.measure(List.of(), Map.of(0, beats(TMM, 0, 0, 2))).isEmpty());
    }

    private static SyncSeries series(String clock) {
        SyncSeries s = new SyncSeries();
        SAMPLES.forEach(x -> s.add(x, clock));
        return s;
    }

    @Test
    void with_a_per_cpu_clock_each_cpus_time_shift_follows_its_own_clock() {
        SyncSeries s = series("local");
        s.cpuClocks(List.of(new CpuClock(1, 5, 250_000, 0)), CpuClocks.perCpu("local"));
        List<List<TimeOptions.Sample>> perCpu = s.guestOptions(1, 2, 2).shift().perCpu();
        TimeOptions.Sample cpu0 = perCpu.get(0).get(0);
        TimeOptions.Sample cpu1 = perCpu.get(1).get(0);
        assertEquals(SAMPLES.get(0).guestTime(), cpu0.time());
        assertEquals(SAMPLES.get(0).offset(), cpu0.offset());
        assertEquals(cpu0.time() + 250_000, cpu1.time(), "the same instant, read on cpu1's clock");
        assertEquals(cpu0.time() + cpu0.offset(), cpu1.time() + cpu1.offset(), "the same host time");
    }

    @Test
    void with_a_clock_shared_by_every_cpu_the_heartbeats_are_a_check_only() {
        SyncSeries s = series("global");
        assertTrue(!CpuClocks.perCpu("global") && !CpuClocks.perCpu("mono"));
        s.cpuClocks(List.of(new CpuClock(1, 5, 250_000, 0)), CpuClocks.perCpu("global"));
        List<List<TimeOptions.Sample>> perCpu = s.guestOptions(1, 2, 2).shift().perCpu();
        assertEquals(perCpu.get(0), perCpu.get(1));
        assertTrue(CpuClocks.describe(s.cpuClocks(), "global", false).contains("a check only"));
    }
}
