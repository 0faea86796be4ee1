package org.virtiotrace.host.link;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.PollEvents;
import org.virtiotrace.core.ports.PortNames;

/**
 * A port as QEMU's pipe chardev exposes it: the host reads {@code NAME.out} and writes
 * {@code NAME.in}. Non-blocking descriptors and poll with a wake-up eventfd (the agent's own
 * native layer), so no thread ever hangs in open(2) on a FIFO nobody holds, and stop can
 * always reach a reader.
 */
public final class FifoLink implements PortLink {
    static final int DATA_PIPE_BYTES = 1 << 20;

    private final Native nat;
    private final Fd in;
    private final String writePath;
    private final Fd wake;
    private Fd out;

    private FifoLink(Native nat, Fd in, String writePath) throws NativeException {
        this.nat = nat;
        this.in = in;
        this.writePath = writePath;
        this.wake = nat.eventFd();
    }

    /**
     * Opens {@code base.out} for reading; {@code base.in} is opened on the first write.
     * {@code holdWriteEnd}: keep a write end of {@code base.out} too, as QEMU does, so a reader
     * never sees end of file while nobody writes (the control port before the agent answers,
     * when both sides run on this machine). Data ports leave it off: their end of file is
     * how the collector learns the guest has gone.
     */
    public static FifoLink open(Native nat, Path base, boolean holdWriteEnd) throws NativeException {
        Fd in = nat.open(base + PortNames.HOST_READS, holdWriteEnd ? Native.Access.READ_WRITE : Native.Access.READ);
        try {
            if (!holdWriteEnd) {
                // a data port: 1 MiB of FIFO (64 KiB by default) lets both ends move more per
                // wake-up; best effort, the kernel may grant less (pipe-max-size)
                nat.setPipeSize(in, DATA_PIPE_BYTES);
            }
            return new FifoLink(nat, in, base + PortNames.HOST_WRITES);
        } catch (NativeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return in.path();
    }

    @Override
    public int read(ByteBuffer dst, int timeoutMs) throws IOException {
        int n = nat.read(in, dst);
        if (n > 0) {
            return n;
        }
        if (n == 0) {
            return -1; // no writer any more: QEMU (or the stand-in agent) has gone
        }
        int r = nat.poll(in, PollEvents.IN, wake, PollEvents.IN, timeoutMs);
        if (PollEvents.has(PollEvents.second(r), PollEvents.IN)) {
            nat.clearSignal(wake);
        }
        if (!PollEvents.has(PollEvents.first(r), PollEvents.IN | PollEvents.HUP | PollEvents.ERR)) {
            return 0;
        }
        n = nat.read(in, dst);
        return n == Native.WOULD_BLOCK ? 0 : n == 0 ? -1 : n;
    }

    @Override
    public void write(ByteBuffer src, int timeoutMs) throws IOException {
        if (out == null) {
            try {
                out = nat.open(writePath, Native.Access.WRITE);
            } catch (NativeException e) {
                throw e.isWithoutReader() ? e.explained("open: nothing reads it; is the guest running?") : e;
            }
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (src.hasRemaining()) {
            if (nat.write(out, src) == Native.WOULD_BLOCK) {
                int left = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                if (left == 0) {
                    throw new IOException(writePath + ": the guest takes nothing (waited " + timeoutMs + " ms)");
                }
                nat.poll(out, PollEvents.OUT, null, 0, left);
            }
        }
    }

    @Override
    public void wake() {
        try {
            nat.signal(wake);
        } catch (NativeException | IllegalStateException e) {
            // closed: nothing to wake
        }
    }

    @Override
    public void close() {
        in.close();
        if (out != null) {
            out.close();
        }
        wake.close();
    }
}
