package org.virtiotrace.core.pump;

import java.nio.ByteBuffer;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.Pipe;
import org.virtiotrace.core.nativeio.PollEvents;

/**
 * Runs the hot path's native calls once on scratch descriptors before the agent says
 * it is ready. The first call of each binding and the first pass through the code
 * cost milliseconds (class resolution, jnr linkage, the interpreter); paid here, they
 * are not paid between the host's start order and the first page (measured: 5-9 ms
 * cold, about 1 ms warm).
 */
final class Warmup {
    private Warmup() {
    }

    static void nativePath(Native nat, int pageSize) throws NativeException {
        try (Pipe a = nat.pipe(pageSize * 2); Pipe b = nat.pipe(pageSize * 2); Fd ev = nat.eventFd()) {
            ByteBuffer page = ByteBuffer.allocateDirect(pageSize);
            nat.write(a.writeEnd(), page);
            nat.poll(a.readEnd(), PollEvents.IN, ev, PollEvents.IN, 0);
            nat.splice(a.readEnd(), b.writeEnd(), pageSize);
            nat.splice(a.readEnd(), b.writeEnd(), pageSize); // the would-block answer
            page.clear();
            nat.read(b.readEnd(), page);
            nat.signal(ev);
            nat.clearSignal(ev);
        }
    }
}
