package org.virtiotrace.host.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bookkeeping of clock-sync samples: bound, drift, steps, gaps (the wire is checked end to end). */
class SyncSeriesTest {
    private static final long S = 1_000_000_000L;

    /** A probe at host time {@code t} whose guest clock is {@code off} behind, with a round trip of {@code rtt}. */
    private static SyncSample sample(long t, long off, long rtt, long guestWallStep) {
        long guest = t - off;
        // a guest on the mono clock, off behind the host's; its wall clock right until it steps
        Probe p = new Probe(t - rtt / 2, guest - 1000, guest + 1000, t + rtt / 2, 1_700_000_000L * S + off
                + guestWallStep, 1_700_000_000L * S, 0, 0);
        return new SyncSample(p, 10, 10, "exact");
    }

    @Test
    void the_bound_is_half_the_round_trip_less_the_guests_own_time() {
        Probe p = sample(10 * S, 5 * S, 100_000, 0).best();
        assertEquals((100_000 - 2000) / 2, p.bound());
        assertEquals(5 * S, p.offset());
    }

    @Test
    void drift_is_the_offsets_slope_in_ppm() {
        SyncSeries s = new SyncSeries();
        s.add(sample(10 * S, 5 * S, 100_000, 0), "mono");
        s.add(sample(20 * S, 5 * S + 100_000, 100_000, 0), "mono"); // 100 us over 10 s
        assertEquals(10.0, s.driftPpm(), 0.01);
    }

    @Test
    void a_wall_clock_step_is_said_once_and_the_samples_go_on() {
        SyncSeries s = new SyncSeries();
        assertNull(s.add(sample(10 * S, 5 * S, 100_000, 0), "mono"));
        String said = s.add(sample(11 * S, 5 * S, 100_000, 5 * S), "mono");
        assertTrue(said != null && said.contains("moved -5000.000 ms"), said);
        assertNull(s.add(sample(12 * S, 5 * S, 100_000, 5 * S), "mono"));
        assertEquals(3, s.samples().size());
    }

    @Test
    void a_sample_that_goes_back_in_time_is_dropped_and_said() {
        SyncSeries s = new SyncSeries();
        s.add(sample(10 * S, 5 * S, 100_000, 0), "mono");
        String said = s.add(sample(9 * S, 5 * S, 100_000, 0), "mono");
        assertTrue(said.contains("went back in time"), said);
        assertEquals(1, s.samples().size());
    }

    @Test
    void probes_that_go_unanswered_mid_trace_make_one_gap_reported_when_sync_resumes() {
        SyncSeries s = new SyncSeries();
        s.add(sample(10 * S, 5 * S, 100_000, 0), "mono");
        assertTrue(s.missed(11 * S, "no answer to ?clock within 1000 ms").contains("tracing goes on"));
        assertNull(s.missed(12 * S, "no answer to ?clock within 1000 ms"), "the same gap is said once");
        String said = s.add(sample(13 * S, 5 * S, 100_000, 0), "mono");
        assertTrue(said.contains("resumed after 2000.000 ms without samples"), said);
        assertEquals(1, s.gaps());
    }
}
