package org.virtiotrace.core.page;

import java.nio.ByteOrder;

/**
 * How a kernel lays out its ring-buffer pages (events/header_page): a u64 timestamp, then the
 * commit word (a {@code local_t}, the size of the kernel's long), then the events; all in the
 * kernel's byte order. The agent's own pages are {@link #local}; a host decoding a guest's pages
 * takes the guest's values from the handshake.
 *
 * @param pageSize  the sub-buffer size: header plus data
 * @param order     the kernel's byte order
 * @param longSize  sizeof(long) in the kernel: 8, or 4 on a 32-bit kernel
 */
public record PageFormat(int pageSize, ByteOrder order, int longSize) {
    public PageFormat {
        if (longSize != 4 && longSize != 8) {
            throw new IllegalArgumentException("a kernel's long is 4 or 8 bytes, not " + longSize);
        }
        if (pageSize < 8 + longSize) {
            throw new IllegalArgumentException("a " + pageSize + "-byte page has no room for its header");
        }
    }

    /** Pages of the kernel this process runs on. */
    public static PageFormat local(int pageSize) {
        return new PageFormat(pageSize, ByteOrder.nativeOrder(),
                "32".equals(System.getProperty("sun.arch.data.model")) ? 4 : 8);
    }

    /** Where the events start: after the timestamp and the commit word. */
    public int dataOffset() {
        return 8 + longSize;
    }

    /** Bytes of events a page can hold. */
    public int dataCapacity() {
        return pageSize - dataOffset();
    }
}
