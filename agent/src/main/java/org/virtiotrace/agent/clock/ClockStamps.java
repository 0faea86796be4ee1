package org.virtiotrace.agent.clock;

import java.io.IOException;
import org.virtiotrace.agent.nativeio.NativeException;

/**
 * Takes two times in a trace clock around an exchange with the host: when a probe was read
 * and when its reply is about to be written. A stamp's value may only be known later (a
 * marker must be read back from the ring buffer), so {@link #times()} comes after both.
 * Owned by one thread.
 */
public interface ClockStamps extends AutoCloseable {
    /** How the times are taken: "exact" (a clock read) or "marker" (read back from a ring buffer). */
    String method();

    /** Takes the time now as stamp {@code which}: 0 = probe read, 1 = reply about to go. */
    void stamp(int which) throws NativeException, IOException;

    /** The two stamps' times, in the trace clock's ns. */
    long[] times() throws NativeException, IOException;

    @Override
    void close();
}
