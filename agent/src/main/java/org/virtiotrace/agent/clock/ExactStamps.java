package org.virtiotrace.agent.clock;

import org.virtiotrace.agent.nativeio.Clock;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.nativeio.NativeException;

/** Stamps from clock_gettime, for trace clocks that are that POSIX clock (mono, mono_raw, boot). */
final class ExactStamps implements ClockStamps {
    private final Native nat;
    private final Clock clock;
    private final long[] times = new long[2];

    ExactStamps(Native nat, Clock clock) {
        this.nat = nat;
        this.clock = clock;
    }

    @Override
    public String method() {
        return "exact";
    }

    @Override
    public void stamp(int which) throws NativeException {
        times[which] = nat.clockNanos(clock);
    }

    @Override
    public long[] times() {
        return times.clone();
    }

    @Override
    public void close() {
    }
}
