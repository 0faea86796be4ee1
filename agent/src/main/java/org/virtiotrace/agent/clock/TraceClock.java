package org.virtiotrace.agent.clock;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.Set;
import org.virtiotrace.core.nativeio.Clock;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * A trace buffer's clock (its {@code trace_clock} file), and how its times can be taken from
 * user space: read exactly where the kernel's trace clock is a POSIX clock, through a marker
 * read back from a ring buffer otherwise, not at all when it counts cycles rather than ns.
 */
public record TraceClock(String name) {
    /** Clocks that count hardware cycles: their times are not ns and no ns offset maps them. */
    private static final Set<String> COUNTERS = Set.of("x86-tsc", "counter", "ppc-tb");

    /** The clock the buffer stamps events with now ("[local] global ..." names it in brackets). */
    public static TraceClock of(Tracefs tracefs) throws IOException {
        return parse(Files.readString(tracefs.dir().resolve("trace_clock")));
    }

    static TraceClock parse(String file) {
        int open = file.indexOf('[');
        int close = file.indexOf(']', open + 1);
        if (open < 0 || close < 0) {
            throw new IllegalArgumentException("trace_clock names no clock in brackets: " + file.strip());
        }
        return new TraceClock(file.substring(open + 1, close));
    }

    /** The POSIX clock that reads the same time as this trace clock, when there is one. */
    public Optional<Clock> exact() {
        return switch (name) {
            case "mono" -> Optional.of(Clock.MONOTONIC);
            case "mono_raw" -> Optional.of(Clock.MONOTONIC_RAW);
            case "boot" -> Optional.of(Clock.BOOTTIME);
            default -> Optional.empty();
        };
    }

    /** True when events carry cycle counts, not nanoseconds. */
    public boolean countsCycles() {
        return COUNTERS.contains(name);
    }
}
