package org.virtiotrace.host.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.PollEvents;
import org.virtiotrace.core.nativeio.SystemCalls;

/**
 * One port's FIFO pair held the way QEMU's pipe chardev holds it: {@code NAME.in} read (what
 * the host writes), {@code NAME.out} written (what the host reads), both opened read-write so
 * neither open waits for the other side and neither side sees an end of file while we hold
 * them. Owned by one thread, except {@link #closeOut}, which the owner calls.
 */
final class GuestEnds implements AutoCloseable {
    private final Native nat;
    private final Fd in;
    private Fd out;
    private final String outPath;

    private GuestEnds(Native nat, Fd in, Fd out, String outPath) {
        this.nat = nat;
        this.in = in;
        this.out = out;
        this.outPath = outPath;
    }

    /** Makes the pair when missing (0600) and opens it. */
    static GuestEnds make(Native nat, Path dir, String name, boolean data) throws IOException {
        for (String end : new String[] {".in", ".out"}) {
            Path f = dir.resolve(name + end);
            if (!Files.exists(f)) {
                SystemCalls.get().mkfifo(f.toString(), 0600);
            }
        }
        Fd in = nat.open(dir.resolve(name + ".in").toString(), Native.Access.READ_WRITE);
        Fd out;
        try {
            out = nat.open(dir.resolve(name + ".out").toString(), Native.Access.READ_WRITE);
            if (data) {
                nat.setPipeSize(out, 1 << 20); // as a busy guest's port: the host reads in big pieces
            }
        } catch (NativeException e) {
            in.close();
            throw e;
        }
        return new GuestEnds(nat, in, out, dir.resolve(name + ".out").toString());
    }

    Fd in() {
        return in;
    }

    /**
     * Writes all of {@code src} to NAME.out, waiting while the FIFO is full; returns false when
     * {@code wake} fired first (the replay was stopped).
     */
    boolean writeAll(ByteBuffer src, Fd wake) throws NativeException {
        while (src.hasRemaining()) {
            if (out == null) {
                throw NativeException.closed(outPath, "write");
            }
            if (nat.write(out, src) == Native.WOULD_BLOCK) {
                int r = nat.poll(out, PollEvents.OUT, wake, PollEvents.IN, 1000);
                if (PollEvents.has(PollEvents.second(r), PollEvents.IN)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The guest's side closed the port (QEMU went away): the host's reader sees an end of file. */
    void closeOut() {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    String outPath() {
        return outPath;
    }

    @Override
    public void close() {
        in.close();
        closeOut();
    }
}
