package org.virtiotrace.core.ring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A circular memory device with QEMU ringbuf semantics, made for trace pages: a write
 * never fails, it overwrites the oldest data; a read returns what is there (0 when
 * empty) and consumes it.
 *
 * <p>Producer and consumer are monotonic 64-bit byte counters; the index of a counter is
 * {@code counter & (capacity - 1)}. Writes are whole pages, so the producer is always
 * page aligned and a page never wraps around the end of the memory. Making room moves
 * the consumer forward to the next page boundary, never into the middle of a page, so
 * whatever is left unread starts on a page (or on the rest of a page a reader began).
 *
 * <p>One lock guards everything, including the caller's I/O on the ring's memory
 * ({@link Source#fill}, {@link Destination#accept}): the pump thread writes and drains,
 * the local socket's thread reads and dumps, and none of them can see a region that
 * another is changing. The calls are short and non-blocking, so the lock is too.
 *
 * <p>The memory is given (or allocated) once, in the constructor, and never grows.
 */
public final class PageRing {
    /** Fills {@code slot} (position 0, limit = room) from somewhere; returns bytes put there. */
    @FunctionalInterface
    public interface Source<X extends Exception> {
        int fill(ByteBuffer slot) throws X;
    }

    /**
     * Takes bytes from the start of {@code data} (it may move the buffer's position as it
     * likes); returns how many it took, 0 when it can take none now.
     */
    @FunctionalInterface
    public interface Destination<X extends Exception> {
        int accept(ByteBuffer data) throws X;
    }

    private final ByteBuffer memory;
    private final int capacity;
    private final int pageSize;
    private final int mask;
    private long producer;
    private long consumer;
    private long readBytes;
    private long overwrittenBytes;
    private long overwrittenPages;

    /** A ring in new direct memory; {@code capacity} must pass {@link RingSize#problem}. */
    public PageRing(long capacity, int pageSize) {
        this(ByteBuffer.allocateDirect(checked(capacity, pageSize)), pageSize);
    }

    /**
     * A ring in {@code memory} (its whole capacity, which must pass {@link RingSize#problem}):
     * the agent gives it memory that becomes resident only as pages are written.
     */
    public PageRing(ByteBuffer memory, int pageSize) {
        this.capacity = checked(memory.capacity(), pageSize);
        this.memory = memory.order(ByteOrder.nativeOrder());
        this.pageSize = pageSize;
        this.mask = capacity - 1;
    }

    private static int checked(long capacity, int pageSize) {
        String problem = RingSize.problem(capacity, pageSize);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return (int) capacity;
    }

    public int capacity() {
        return capacity;
    }

    public int pageSize() {
        return pageSize;
    }

    public synchronized boolean isEmpty() {
        return producer == consumer;
    }

    /** Bytes waiting to be read. */
    public synchronized long fill() {
        return producer - consumer;
    }

    /** Copies whole pages from {@code src} (its remaining bytes, a multiple of the page size). */
    public int write(ByteBuffer src) {
        int len = src.remaining();
        return writeFrom(slot -> {
            ByteBuffer part = src.slice(src.position(), slot.remaining());
            slot.put(part);
            src.position(src.position() + part.capacity());
            return part.capacity();
        }, len);
    }

    /**
     * Writes {@code len} bytes (whole pages) taken from {@code source}, overwriting the
     * oldest pages when the ring is full. The source must fill each slot it is given
     * completely, or the write ends there (the part it filled is kept if it is whole
     * pages). Returns the bytes written.
     */
    public synchronized <X extends Exception> int writeFrom(Source<X> source, int len) throws X {
        if (len % pageSize != 0) {
            throw new IllegalArgumentException(len + " bytes is not a whole number of " + pageSize + "-byte pages");
        }
        int written = 0;
        while (written < len) {
            int at = (int) (producer & mask);
            int chunk = Math.min(len - written, capacity - at);
            makeRoom(chunk);
            ByteBuffer slot = memory.slice(at, chunk);
            int got = source.fill(slot);
            int whole = got - got % pageSize;
            producer += whole;
            written += whole;
            if (got < chunk) {
                break;
            }
        }
        return written;
    }

    /** Moves the consumer past whole (or partly read) pages until {@code len} more bytes fit. */
    private void makeRoom(int len) {
        while (producer + len - consumer > capacity) {
            long next = (consumer | (pageSize - 1)) + 1;
            overwrittenBytes += next - consumer;
            overwrittenPages++;
            consumer = next;
        }
    }

    /** Reads and consumes up to {@code dst.remaining()} of the oldest bytes; 0 when empty. */
    public int read(ByteBuffer dst) {
        return drainTo(data -> {
            int n = Math.min(data.remaining(), dst.remaining());
            dst.put(data.slice(data.position(), n));
            return n;
        });
    }

    /**
     * Offers the oldest bytes to {@code dst} (in at most two contiguous pieces) and
     * consumes what it takes. Returns the bytes consumed; 0 when empty or when the
     * destination took nothing.
     */
    public synchronized <X extends Exception> int drainTo(Destination<X> dst) throws X {
        int total = 0;
        while (producer != consumer) {
            int at = (int) (consumer & mask);
            int len = (int) Math.min(producer - consumer, capacity - at);
            ByteBuffer data = memory.slice(at, len);
            int took = dst.accept(data);
            consumer += took;
            readBytes += took;
            total += took;
            if (took < len) {
                break;
            }
        }
        return total;
    }

    /**
     * Drops the unread rest of a page a reader has begun, so that the next read starts on
     * a page; returns the bytes dropped (counted as read).
     */
    public synchronized int skipToPageBoundary() {
        long next = (consumer + pageSize - 1) & -(long) pageSize;
        int skipped = (int) (next - consumer);
        consumer = next;
        readBytes += skipped;
        return skipped;
    }

    /**
     * Offers every unread whole page, oldest first, without consuming anything (the
     * rest of a page a reader has begun is skipped: a copy must be a valid page stream).
     */
    public synchronized <X extends Exception> long copyPagesTo(Destination<X> dst) throws X {
        long from = (consumer + pageSize - 1) & -(long) pageSize;
        long copied = 0;
        while (from < producer) {
            int at = (int) (from & mask);
            int len = (int) Math.min(producer - from, capacity - at);
            for (int off = 0; off < len; ) {
                int took = dst.accept(memory.slice(at + off, len - off));
                if (took <= 0) {
                    return copied;
                }
                off += took;
                copied += took;
            }
            from += len;
        }
        return copied;
    }

    public synchronized RingStats stats() {
        return new RingStats(capacity, producer - consumer, producer, readBytes, overwrittenBytes, overwrittenPages);
    }
}
