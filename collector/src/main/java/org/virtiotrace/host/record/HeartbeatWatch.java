package org.virtiotrace.host.record;

import java.util.ArrayList;
import java.util.List;

/**
 * Liveness from heartbeats: a CPU whose stream is more than N beats behind the newest beat
 * on any CPU. While tracing, a CPU's beats arrive a page at a time (an idle CPU's page fills
 * with about one page's worth of beats before it is sent), so the allowance then adds a page
 * of beats; once the stop order has flushed every partial page the comparison is exact.
 */
final class HeartbeatWatch {
    /** Bytes a heartbeat takes in a page: its 4-byte event header and 40 bytes of event. */
    static final int BEAT_BYTES = 44;

    private final int misses;
    private final int beatsPerPage;

    HeartbeatWatch(int misses, int pageSize) {
        this.misses = misses;
        this.beatsPerPage = Math.max(1, (pageSize - 16) / BEAT_BYTES);
    }

    /** What each CPU reports: its number and the newest counter seen (-1: none yet). */
    record Seen(int cpu, long last) {
    }

    /** The CPUs behind, with how far; {@code final} after the stop's flush. */
    List<String> behind(List<Seen> seen, boolean atEnd) {
        long newest = seen.stream().mapToLong(Seen::last).max().orElse(-1);
        List<String> out = new ArrayList<>();
        if (newest < 0) {
            return out; // no heartbeats at all: an agent without them (--no-heartbeat, C agent)
        }
        long allowed = misses + (atEnd ? 0 : beatsPerPage);
        for (Seen s : seen) {
            if (newest - s.last() > allowed) {
                out.add("cpu" + s.cpu() + (s.last() < 0 ? " (no heartbeat at all" : " (heartbeat " + s.last())
                        + ", others " + newest + ")");
            }
        }
        return out;
    }

    private final java.util.Set<Integer> named = new java.util.HashSet<>();

    /**
     * Looks at the collectors: returns the CPUs behind (for the progress line or the summary)
     * and puts each CPU in the session log the first time it falls behind.
     */
    List<String> check(List<CpuCollector> collectors, boolean atEnd, org.virtiotrace.host.session.SessionLog log) {
        List<Seen> seen = collectors.stream().map(c -> new Seen(c.cpu, c.lastHeartbeat())).toList();
        List<String> out = behind(seen, atEnd);
        long newest = seen.stream().mapToLong(Seen::last).max().orElse(-1);
        for (Seen s : seen) {
            boolean isBehind = out.stream().anyMatch(x -> x.startsWith("cpu" + s.cpu() + " "));
            if (isBehind && named.add(s.cpu())) {
                log.event(org.virtiotrace.host.session.SessionEvent.HEARTBEAT_MISSED, (long) s.cpu(), s.last(), newest);
            }
        }
        return out;
    }
}
