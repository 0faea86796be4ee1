package org.virtiotrace.agent.control;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.wire.Request;

/**
 * Replies waiting to go to the host, and the one being written. Any thread may
 * {@link #post} (the request worker does); everything else is the control thread's, which
 * writes a reply piece by piece whenever the port can take it, so orders are still read
 * while a large reply drains. A reply that makes no progress for {@link #STALL_MS} (the host
 * is not reading) is dropped with one log line; the host sees it truncated.
 *
 * <p>Where replies go: the control port's own descriptor (a virtio port, opened read-write),
 * or, where the ports are FIFO pairs (the host's layout, for running both sides on one
 * machine), {@code NAME.out}, opened when a reply is due.
 */
final class ReplyOutbox {
    static final long STALL_MS = 5000;

    private record Outgoing(byte[] bytes, Request request) {
    }

    private final Native nat;
    private final String separatePath;
    private final boolean sameFd;
    private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(64 << 10);
    private Outgoing current;
    private int written;
    private long lastProgress;
    private Fd separate;

    /**
     * @param sameFd       replies go out on the control descriptor itself
     * @param separatePath or to this path (a FIFO), or null: then nothing can be answered
     */
    ReplyOutbox(Native nat, boolean sameFd, String separatePath) {
        this.nat = nat;
        this.sameFd = sameFd;
        this.separatePath = separatePath;
    }

    boolean canReply() {
        return sameFd || separatePath != null;
    }

    /** Queues a reply; the caller then wakes the control thread. Thread-safe. */
    void post(byte[] frame, Request request) {
        queue.add(new Outgoing(frame, request));
    }

    /** True when a reply is being (or waits to be) written. */
    boolean pending() {
        if (current == null) {
            current = queue.poll();
            written = 0;
            lastProgress = System.nanoTime();
        }
        return current != null;
    }

    /** The descriptor to write to: {@code ctl} itself, the separate one (opened now), or null. */
    Fd target(Fd ctl) {
        if (sameFd) {
            return ctl;
        }
        if (separate == null && separatePath != null) {
            try {
                separate = nat.open(separatePath, Native.Access.WRITE);
            } catch (NativeException e) {
                String why = e.isWithoutReader() ? "nobody reads it" : e.getMessage();
                drop(separatePath + ": cannot send the reply (" + why + ")");
                return null;
            }
        }
        return separate;
    }

    /** Writes what the port takes now. */
    void write(Fd fd) {
        try {
            while (current != null) {
                chunk.clear();
                int n = Math.min(chunk.capacity(), current.bytes.length - written);
                chunk.put(current.bytes, written, n).flip();
                int w = nat.write(fd, chunk);
                if (w == Native.WOULD_BLOCK || w == 0) {
                    return;
                }
                written += w;
                lastProgress = System.nanoTime();
                if (written == current.bytes.length) {
                    Log.debug("%s: answered %s with %d bytes", fd.path(), current.request, written);
                    current = null;
                    pending();
                }
            }
        } catch (NativeException e) {
            if (separate != null) {
                separate.close();
                separate = null;
            }
            drop(e.getMessage() + ": the host stopped reading replies");
        }
    }

    /** Milliseconds the control thread may sleep before the current reply is given up on. */
    int timeoutMs() {
        long left = STALL_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastProgress);
        return (int) Math.max(1, left);
    }

    /** Gives up on the current reply when the host has taken nothing for {@link #STALL_MS}. */
    void checkStall(String path) {
        if (current != null && System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(STALL_MS)) {
            drop(path + ": the host read nothing for " + STALL_MS + " ms");
        }
    }

    private void drop(String why) {
        int more = queue.size();
        Log.warn("%s; dropped the reply to %s (%d of %d bytes sent)%s; orders still work", why,
                current == null ? "a request" : current.request, written,
                current == null ? 0 : current.bytes.length, more == 0 ? "" : " and " + more + " more");
        queue.clear();
        current = null;
        written = 0;
    }

    void close() {
        if (separate != null) {
            separate.close();
            separate = null;
        }
    }
}
