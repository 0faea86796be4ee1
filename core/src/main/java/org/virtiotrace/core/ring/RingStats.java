package org.virtiotrace.core.ring;

/**
 * One consistent reading of a ring's counters.
 *
 * @param capacity         bytes of memory the ring holds
 * @param fill             bytes written and not yet read or overwritten
 * @param writtenBytes     bytes ever written (the producer counter)
 * @param readBytes        bytes consumed by readers (drained to a port or ringbuf-read)
 * @param overwrittenBytes bytes dropped unread to make room for newer pages
 * @param overwrittenPages pages (whole or partly read) dropped to make room
 */
public record RingStats(long capacity, long fill, long writtenBytes, long readBytes, long overwrittenBytes,
                        long overwrittenPages) {
}
