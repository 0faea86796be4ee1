package org.virtiotrace.core.tracefs;

import java.util.HashMap;
import java.util.Map;

/** per_cpu/cpuN/stats: "entries: 12", "overrun: 0", "read events: 99", ... */
public record CpuStats(long entries, long overrun, long commitOverrun, long droppedEvents, long readEvents) {

    public static CpuStats parse(String text) {
        Map<String, Long> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).trim();
            try {
                m.put(line.substring(0, colon).trim(), Long.parseLong(value));
            } catch (NumberFormatException e) {
                // timestamps like "oldest event ts: 5713.048932" are not counters
            }
        }
        return new CpuStats(m.getOrDefault("entries", 0L), m.getOrDefault("overrun", 0L),
                m.getOrDefault("commit overrun", 0L), m.getOrDefault("dropped events", 0L),
                m.getOrDefault("read events", 0L));
    }

    /** Events the kernel lost for any reason since {@code earlier}. */
    public long lostSince(CpuStats earlier) {
        return (overrun - earlier.overrun) + (commitOverrun - earlier.commitOverrun)
                + (droppedEvents - earlier.droppedEvents);
    }
}
