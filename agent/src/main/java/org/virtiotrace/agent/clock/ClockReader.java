package org.virtiotrace.agent.clock;

import java.io.IOException;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * Reads a trace clock against CLOCK_MONOTONIC. Owned by one thread (the control thread).
 */
public interface ClockReader extends AutoCloseable {
    /** How: "exact" (clock_gettime) or "marker" (read back from a ring buffer). */
    String method();

    Calibration calibrate() throws NativeException, IOException;

    @Override
    void close();
}
