package org.virtiotrace.agent.clock;

import org.virtiotrace.core.nativeio.Clock;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/** A trace clock that is a POSIX clock (mono, mono_raw, boot): clock_gettime between two monotonic reads. */
final class ExactReader implements ClockReader {
    private final Native nat;
    private final Clock clock;

    ExactReader(Native nat, Clock clock) {
        this.nat = nat;
        this.clock = clock;
    }

    @Override
    public String method() {
        return "exact";
    }

    @Override
    public Calibration calibrate() throws NativeException {
        if (clock == Clock.MONOTONIC) {
            long t = nat.clockNanos(Clock.MONOTONIC);
            return new Calibration(t, t, t);
        }
        long before = nat.clockNanos(Clock.MONOTONIC);
        long t = nat.clockNanos(clock);
        long after = nat.clockNanos(Clock.MONOTONIC);
        return new Calibration(t, before, after);
    }

    @Override
    public void close() {
    }
}
