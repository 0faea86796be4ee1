package org.virtiotrace.agent.pump;

import java.util.Optional;
import org.virtiotrace.agent.nativeio.NativeException;
import org.virtiotrace.agent.sink.Sink;

/** Looks for a CPU's port that was missing (a virtserialport may be hot-plugged later). */
public interface PortLookup {
    /** The port, opened for writing, or empty while it does not exist. */
    Optional<Sink> tryOpen() throws NativeException;

    /** Where the port is expected, for messages. */
    String expectedPath();
}
