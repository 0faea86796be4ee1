package org.virtiotrace.core.pump;

import java.nio.file.Path;
import org.virtiotrace.core.nativeio.Fd;

/**
 * Where one pump takes pages from: a trace buffer's per-CPU pipe, with the files that go
 * with it. A pump starts on the agent's own buffer and keeps it for life; a recording the
 * host configured hands it its private instance's pipe for one run ({@link PumpControl#follow}).
 *
 * @param trace       the opened trace_pipe_raw; the pump owns it from the hand-over on
 * @param statsFile   per_cpu/cpuN/stats of the same buffer (the quiet probe reads it)
 * @param markerRaw   the buffer's trace_marker_raw, where the heartbeat goes
 * @param drainBudget bytes of ring buffer per CPU: bounds the drain at the stop
 * @param released    called on the pump's thread once the run on this source is over and its
 *                    pipe closed (null for the agent's own buffer, which is never given back)
 */
public record TraceSource(Fd trace, Path statsFile, Path markerRaw, long drainBudget, Runnable released) {
    /** True for a source lent for one run. */
    public boolean lent() {
        return released != null;
    }
}
