package org.virtiotrace.host.record;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;

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
    private final Set<Integer> logged = new HashSet<>();

    HeartbeatWatch(int misses, int pageSize) {
        this.misses = misses;
        this.beatsPerPage = Math.max(1, (pageSize - 16) / BEAT_BYTES);
    }

    /** What each CPU reports: its number and the newest counter seen (-1: none yet). */
    record Seen(int cpu, long last) {
        String describe(long newest) {
            return "cpu" + cpu + (last < 0 ? " (no heartbeat at all" : " (heartbeat " + last) + ", others " + newest
                    + ")";
        }
    }

    private static long newest(List<Seen> seen) {
        return seen.stream().mapToLong(Seen::last).max().orElse(-1);
    }

    /** The CPUs behind; exact once the stop's flush has come ({@code atEnd}). */
    private List<Seen> lagging(List<Seen> seen, boolean atEnd) {
        long newest = newest(seen);
        if (newest < 0) {
            return List.of(); // no heartbeats at all: an agent without them (--no-heartbeat, C agent)
        }
        long allowed = misses + (atEnd ? 0 : beatsPerPage);
        return seen.stream().filter(s -> newest - s.last() > allowed).toList();
    }

    /** The CPUs behind, each with how far, in words. */
    List<String> behind(List<Seen> seen, boolean atEnd) {
        long newest = newest(seen);
        return lagging(seen, atEnd).stream().map(s -> s.describe(newest)).toList();
    }

    /**
     * Looks at the collectors: returns the CPUs behind (for the progress line or the summary)
     * and puts each CPU in the session log the first time it falls behind.
     */
    List<String> check(List<CpuCollector> collectors, boolean atEnd, SessionLog log) {
        List<Seen> seen = collectors.stream().map(c -> new Seen(c.cpu, c.lastHeartbeat())).toList();
        long newest = newest(seen);
        List<Seen> behind = lagging(seen, atEnd);
        for (Seen s : behind) {
            if (logged.add(s.cpu())) {
                log.event(SessionEvent.HEARTBEAT_MISSED, (long) s.cpu(), s.last(), newest);
            }
        }
        return behind.stream().map(s -> s.describe(newest)).toList();
    }
}
