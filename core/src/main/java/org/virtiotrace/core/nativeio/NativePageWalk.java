package org.virtiotrace.core.nativeio;

import java.nio.ByteBuffer;

/**
 * The shim's walk of one ring-buffer page ({@code vt_page_walk}): a few nanoseconds an event
 * where the Java walk costs about eight times as much, for the host's check of every page it
 * receives. What it computes is {@code core.page.PageWalker}'s business and documented there;
 * this is only the door to it, for pages in this machine's byte order in a direct buffer.
 */
public interface NativePageWalk {
    /** The walk, or null when the native layer did not load. */
    static NativePageWalk get() {
        return NativeHolder.pageWalk();
    }

    /**
     * Walks the page of {@code pageSize} bytes at {@code offset} of {@code direct}: returns the
     * time of its last event or {@link Long#MIN_VALUE}; fills {@code beat[0..2]} (see PageWalker).
     */
    long walk(ByteBuffer direct, int offset, int pageSize, long beatKey, long[] beat);
}
