package org.virtiotrace.core.pump;

import java.nio.ByteBuffer;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.ring.PageRing;
import org.virtiotrace.core.sink.Sink;

/**
 * One CPU's pages held in memory while its port is missing or not taking data, in the
 * order they must reach the port: first the rest of a page whose start the port already
 * has (the carry), then the ring's whole pages. The carry lives outside the ring so
 * that overwriting, which drops whole pages from the ring, can never cut a page the
 * port has begun. Used by the pump thread only (the ring itself is shared, locked).
 */
final class Backlog {
    private final PageRing ring;
    private final int pageSize;
    private final ByteBuffer carry;
    private long lastSent;

    Backlog(PageRing ring) {
        this.ring = ring;
        this.pageSize = ring.pageSize();
        this.carry = ByteBuffer.allocateDirect(pageSize);
        carry.limit(0);
    }

    PageRing ring() {
        return ring;
    }

    boolean isEmpty() {
        return !carry.hasRemaining() && ring.isEmpty();
    }

    long bytes() {
        return carry.remaining() + ring.fill();
    }

    /**
     * Takes {@code len} bytes out of the pipe: a leading part of a page (len modulo the page
     * size, the rest of a page partly spliced to the port) goes to the carry, whole pages to
     * the ring. Returns the bytes taken.
     */
    long takeFromPipe(Native nat, Fd pipe, long len) throws NativeException {
        int head = (int) (len % pageSize);
        long taken = 0;
        if (head > 0) {
            if (carry.hasRemaining()) {
                throw new IllegalStateException("two begun pages"); // direct mode needs an empty backlog
            }
            carry.clear().limit(head);
            readFully(nat, pipe, carry);
            carry.flip();
            taken += carry.remaining();
            if (taken < head) {
                return taken;
            }
        }
        return taken + ring.writeFrom(slot -> readFully(nat, pipe, slot), (int) (len - head));
    }

    private static int readFully(Native nat, Fd fd, ByteBuffer dst) throws NativeException {
        int start = dst.position();
        while (dst.hasRemaining()) {
            if (nat.read(fd, dst) <= 0) {
                break; // cannot happen while the pipe holds what we counted; the caller sees a short count
            }
        }
        return dst.position() - start;
    }

    /**
     * Sends what the sink takes now, carry first; when the sink takes part of a page, the
     * rest of it moves to the carry. Returns the bytes the sink took.
     */
    long sendTo(Sink sink) throws NativeException {
        lastSent = 0;
        if (carry.hasRemaining()) {
            lastSent += sink.write(carry);
            if (carry.hasRemaining()) {
                return lastSent;
            }
        }
        ring.skipToPageBoundary(); // a ringbuf-read may have taken the start of a page
        ring.drainTo(data -> {
            if (carry.hasRemaining()) {
                return 0; // a page is begun: nothing may overtake its rest
            }
            int len = data.remaining();
            int w = sink.write(data);
            lastSent += w;
            int begun = w % pageSize;
            if (begun == 0) {
                return w;
            }
            int rest = Math.min(pageSize - begun, len - w);
            carry.clear();
            carry.put(data.slice(data.position(), rest)).flip();
            return w + rest;
        });
        return lastSent;
    }
}
