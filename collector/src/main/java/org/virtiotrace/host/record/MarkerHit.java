package org.virtiotrace.host.record;

import java.util.List;

/**
 * The --until-marker marker as the recording first saw it: which CPU's stream, its trace time,
 * and when it arrived here (the stop comes --after that).
 */
record MarkerHit(int cpu, long traceTime, long seenNanos) {

    /** The earliest marker any CPU has found so far, or null. */
    static MarkerHit first(List<CpuCollector> cpus, long now) {
        MarkerHit best = null;
        for (CpuCollector c : cpus) {
            long t = c.markerTime();
            if (t >= 0 && (best == null || Long.compareUnsigned(t, best.traceTime) < 0)) {
                best = new MarkerHit(c.cpu, t, now);
            }
        }
        return best;
    }

    String describe() {
        return String.format("cpu%d at %d.%06d (the guest's trace clock)", cpu, traceTime / 1_000_000_000L,
                traceTime % 1_000_000_000L / 1000);
    }
}
