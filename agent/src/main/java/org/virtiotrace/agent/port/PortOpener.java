package org.virtiotrace.agent.port;

import java.nio.file.Path;
import java.util.Optional;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/** Opens a trace port for writing, found by name (udev link or sysfs) or given as a path. */
public final class PortOpener {
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
            return Optional.of(nat.open(p, Native.Access.WRITE));
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
        return Optional.of(nat.open(p, Native.Access.READ_WRITE));
    }
}
