package org.virtiotrace.agent.port;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.SystemCalls;

/** A FIFO standing in for a virtio port holds what a real port holds before a write blocks. */
class PortRoomTest {
    @TempDir
    Path root;

    private final Native nat = Native.get();

    private Path fifo(String name) throws Exception {
        Path p = root.resolve(name);
        SystemCalls.get().mkfifo(p.toString(), 0600);
        return p;
    }

    private PortOpener opener() {
        return new PortOpener(nat, new PortResolver(root, root.resolve("sys"), root.resolve("dev")));
    }

    @Test
    void a_fifo_standing_in_for_a_port_is_given_a_real_ports_room() throws Exception {
        Path p = fifo("trace-path-cpu0");
        try (Fd reader = nat.open(p.toString(), Native.Access.READ);
             Fd port = opener().open("trace-path-cpu0").orElseThrow()) {
            assertEquals(PortOpener.FIFO_BYTES, nat.pipeSize(port));
            assertEquals(PortOpener.FIFO_BYTES, nat.pipeSize(reader), "one pipe: the host's end sees the same room");
        }
    }
}
