package org.virtiotrace.core.pump;

import java.util.Optional;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.sink.Sink;

/** Looks for a CPU's port that was missing (a virtserialport may be hot-plugged later). */
public interface PortLookup {
    /** The port, opened for writing, or empty while it does not exist. */
    Optional<Sink> tryOpen() throws NativeException;

    /** Where the port is expected, for messages. */
    String expectedPath();
}
