package org.virtiotrace.host.record;

import java.util.Optional;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.tracefs.CpuStats;

/**
 * What a guest's kernel overwrote before the start order, told apart from what it overwrote
 * while recording. The first page a reader takes after an overflow counts every event lost since
 * the last read: a buffer the guest traced into while nobody read (events on, the agent waiting)
 * brings its old losses into the recording's first page. The kernel's own counts, in the metadata
 * fetched just before the start and in the final update, bound the recording's share.
 */
final class LossBeforeStart {
    private LossBeforeStart() {
    }

    /** CPU {@code cpu}'s counts in a metadata file set, if it has them. */
    static Optional<CpuStats> stats(FileSet files, int cpu) {
        return files.text("per_cpu/cpu" + cpu + "/stats").map(CpuStats::parse);
    }

    /**
     * Of the {@code missed} events the pages said were lost, those lost before the start: what
     * the kernel's counts do not place between {@code start} and {@code end}; 0 when either is
     * unknown (every loss is then the recording's, as the pages say).
     */
    static long of(long missed, Optional<CpuStats> start, Optional<CpuStats> end) {
        if (start.isEmpty() || end.isEmpty()) {
            return 0;
        }
        return Math.max(0, missed - Math.max(0, end.get().lostSince(start.get())));
    }
}
