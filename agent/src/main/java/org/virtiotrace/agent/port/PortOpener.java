package org.virtiotrace.agent.port;

import java.nio.file.Path;
import java.util.Optional;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/** Opens a trace port for writing, found by name (udev link or sysfs) or given as a path. */
public final class PortOpener {
    /**
     * What a FIFO standing in for a port is given to hold at least. A real virtio port takes
     * about 128 writes before one blocks (its virtqueue's buffers; ~576 KiB of page-sized writes, NOTES,
     * several MB of whole chunks), a FIFO 64 KiB: a pump's chunk (a page latency's
     * worth, ~250 KiB under a light load) went into a FIFO in four writes with a wait for the
     * reader between each, three wake-ups per chunk that a port does not cost. 1 MiB, as
     * virtio-trace record gives the FIFOs it reads (FifoLink), so neither end shrinks the other's.
     */
    static final int FIFO_BYTES = 1 << 20;

    private final Native nat;
    private final PortResolver ports;

    public PortOpener(Native nat, PortResolver ports) {
        this.nat = nat;
        this.ports = ports;
    }

    public Native nativeCalls() {
        return nat;
    }

    public PortResolver resolver() {
        return ports;
    }

    /** The port, or empty when it does not exist (yet). Other failures are thrown. */
    public Optional<Fd> open(String name) throws NativeException {
        Optional<Path> path = ports.resolveWritable(name);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        String p = path.get().toString();
        try {
            return Optional.of(sized(nat.open(p, Native.Access.WRITE)));
        } catch (NativeException e) {
            if (e.isMissing()) {
                return Optional.empty(); // went away between the lookup and the open
            }
            if (!e.isWithoutReader()) {
                throw e;
            }
        }
        // A FIFO standing in for a port, with no reader yet. Holding a read end too makes it
        // behave like a real port whose host is not reading: data waits, nothing is lost.
        Log.notice("%s: no reader yet; data waits in the port until the host reads it", p);
        return Optional.of(sized(nat.open(p, Native.Access.READ_WRITE)));
    }

    /** A FIFO gets at least a port's room ({@link #FIFO_BYTES}); a real port (a character device) is left alone. */
    private Fd sized(Fd port) {
        try {
            if (nat.pipeSize(port) < FIFO_BYTES) {
                nat.setPipeSize(port, FIFO_BYTES); // best effort: pipe-max-size may grant less
            }
        } catch (NativeException e) {
            // not a pipe (EBADF): a virtio port, whose queue is its own
        }
        return port;
    }
}
