package org.virtiotrace.host.record;

import java.nio.file.Path;
import java.time.Duration;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.tracedat.TraceDatFormat;

/**
 * What {@code virtio-trace record} was asked to do.
 *
 * @param ports           where the guest's ports are
 * @param output          the trace.dat to write, or null (then --raw must be set)
 * @param rawDir          also keep cpuN.raw and the metadata files here, or null
 * @param metaDir         metadata exported by {@code trace-agent export-meta}, for an agent that does not answer
 * @param duration        stop after this long, or null for SIGINT/SIGTERM
 * @param answerTimeoutMs how long the agent has to answer the handshake
 * @param progress        draw the live progress line (stderr is a terminal)
 * @param session         the session log to write (everything that crosses the ports), or null
 * @param timeline        clock sync, heartbeats and the host's own trace
 * @param guest           what the guest should trace (-e, -f, -p ...), or {@link TraceConfig#NONE}: what it traces
 * @param fileFormat      the trace.dat version and compression (--file-version, --compress)
 * @param bounds          how much to keep and when to stop on its own (--max-size, --until-marker)
 */
public record RecordOptions(PortLayout ports, Path output, Path rawDir, Path metaDir, Duration duration,
                            int answerTimeoutMs, boolean progress, Path session, Timeline timeline,
                            TraceConfig guest, TraceDatFormat fileFormat, Bounds bounds) {
    /**
     * A long recording's bounds.
     *
     * @param maxSize      per CPU, keep only the newest this many bytes of pages (whole pages; 0: keep all)
     * @param untilMarker  stop once a trace marker holding this text shows in any CPU's stream, or null
     * @param afterNanos   ... this long after it arrives
     */
    public record Bounds(long maxSize, String untilMarker, long afterNanos) {
        public static final Bounds NONE = new Bounds(0, null, 0);
    }

    /**
     * @param syncIntervalMs    a clock-sync burst this often while tracing (0: only at start and end)
     * @param syncProbes        probes per burst (0: no clock sync at all)
     * @param hostOutput        also record the host's own trace into this trace.dat, or null
     * @param hostEvents        the host events to enable (tracefs names: "sched", "kvm/kvm_exit")
     * @param heartbeatId       the raw_data id of the agent's heartbeats
     * @param heartbeatMisses   a CPU this many heartbeats behind the others is named
     * @param date              times in the files are the host's wall clock (CLOCK_REALTIME), not CLOCK_MONOTONIC
     */
    public record Timeline(int syncIntervalMs, int syncProbes, Path hostOutput, java.util.List<String> hostEvents,
                           int heartbeatId, int heartbeatMisses, boolean date) {
        public static final Timeline DEFAULT = new Timeline(1000, 10, null, java.util.List.of(),
                HeartbeatRecord.DEFAULT_ID, 3, false);
    }

    public RecordOptions(PortLayout ports, Path output, Path rawDir, Path metaDir, Duration duration,
                         int answerTimeoutMs, boolean progress, Path session) {
        this(ports, output, rawDir, metaDir, duration, answerTimeoutMs, progress, session, Timeline.DEFAULT,
                TraceConfig.NONE, TraceDatFormat.V6, Bounds.NONE);
    }
}
