package org.virtiotrace.host.hosttrace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsException;
import org.virtiotrace.core.tracefs.TracefsLocator;

/**
 * The host's own trace for --host: a private instance of the host's tracefs on the mono
 * clock (CLOCK_MONOTONIC, the clock clock sync maps the guest to), with the events asked for.
 * Also where the collector marks what it writes to the control port, so the merged timeline
 * shows the host's orders next to their effect in the guest.
 */
public final class HostInstance implements AutoCloseable {
    private final TraceInstance instance;
    private final Native nat;
    private Fd marker;
    private boolean closed;

    private HostInstance(TraceInstance instance, Native nat) {
        this.instance = instance;
        this.nat = nat;
    }

    /**
     * Creates it, or says in one line why it cannot be: no tracefs, not root, an event this host
     * does not have.
     */
    public static HostInstance create(Native nat, List<String> events, int bufferKb) throws HostTraceException {
        Path mount;
        try {
            mount = TracefsLocator.find();
        } catch (TracefsException e) {
            throw new HostTraceException("--host: " + e.getMessage());
        }
        Path instances = mount.resolve("instances");
        if (!Files.isWritable(instances)) {
            throw new HostTraceException("--host: " + instances + " is not writable: recording the host's trace "
                    + "needs root (or write access to tracefs)");
        }
        for (String e : events) {
            if (e.isBlank() || e.contains("..") || !Files.isDirectory(mount.resolve("events").resolve(e))) {
                throw new HostTraceException("--host-events: " + mount.resolve("events").resolve(e)
                        + ": no such event or event system on this host (is its module loaded? kvm needs kvm.ko)");
            }
        }
        TraceInstance inst;
        try {
            inst = TraceInstance.create(mount, "virtio-trace-host-" + ProcessHandle.current().pid());
        } catch (IOException e) {
            throw new HostTraceException("--host: cannot create a trace instance in " + instances + ": " + e);
        }
        try {
            inst.write("tracing_on", "0");
            inst.write("trace_clock", "mono");
            inst.bufferSizeKb(bufferKb);
            for (String e : events) {
                inst.enableEvents(e);
            }
            return new HostInstance(inst, nat);
        } catch (IOException | RuntimeException e) {
            try {
                inst.close();
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw new HostTraceException("--host: " + inst.dir() + ": " + e.getMessage());
        }
    }

    public TraceInstance instance() {
        return instance;
    }

    public void tracing(boolean on) throws IOException {
        instance.write("tracing_on", on ? "1" : "0");
    }

    /**
     * An ftrace:print event in the host trace, from the calling thread ("virtio-trace: ...").
     * Synchronized: in a fleet every guest's thread marks its orders, and two first marks at once
     * opened the marker twice, leaking a descriptor that kept the instance from being removed.
     */
    public synchronized void mark(String text) {
        try {
            if (closed) {
                return;
            }
            if (marker == null) {
                marker = nat.open(instance.dir().resolve("trace_marker").toString(), Native.Access.WRITE);
            }
            nat.write(marker, ByteBuffer.wrap(("virtio-trace: " + text).getBytes(StandardCharsets.UTF_8)));
        } catch (NativeException e) {
            // a missing mark loses a label, never data
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        if (marker != null) {
            marker.close();
            marker = null;
        }
        instance.close();
    }
}
