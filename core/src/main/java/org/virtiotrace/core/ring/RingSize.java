package org.virtiotrace.core.ring;

/**
 * The rules for a ring's size, checked before anything is allocated: the index is the
 * counter masked with size - 1, and the ring is overwritten by whole sub-buffers, so
 * the size must be a power of two holding at least two of them.
 */
public final class RingSize {
    public static final long MIN = 64L << 10;
    public static final long MAX = 1L << 30;
    /** 1 MiB per CPU: about the kernel's own default per-CPU buffer (1.4 MB), allocated at start. */
    public static final long DEFAULT = 1L << 20;

    private RingSize() {
    }

    /** Why {@code size} cannot hold {@code pageSize}-byte pages, or null when it can. */
    public static String problem(long size, int pageSize) {
        if (size < MIN || size > MAX || Long.bitCount(size) != 1) {
            return "ring size " + size + " is invalid: it must be a power of two from 64K to 1G";
        }
        if (size < 2L * pageSize || size % pageSize != 0) {
            return "ring size " + size + " is invalid: it must hold at least two " + pageSize
                    + "-byte sub-buffers (buffer_subbuf_size_kb); use " + Long.highestOneBit(
                    Math.max(MIN, 2L * pageSize - 1) * 2) + " or more";
        }
        return null;
    }
}
