package org.virtiotrace.core.heartbeat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.virtiotrace.core.nativeio.NativePageWalk;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;

/**
 * The walk every page the host receives gets: where its events end (or that they do not end at
 * its commit) and its newest heartbeat, in one pass. In the shim ({@code vt_page_walk}) for
 * pages in this machine's layout in a direct buffer, about eight times cheaper than in Java;
 * otherwise {@link PageWalker} with a {@link HeartbeatRecord.Newest}. Both give the same answer
 * for every page (BeatWalkTest holds them to it).
 */
public final class BeatWalk {
    private static final NativePageWalk NATIVE = NativePageWalk.get();

    private final PageFormat format;
    private final boolean nativeLayout;

    public BeatWalk(PageFormat format) {
        this.format = format;
        this.nativeLayout = NATIVE != null && format.order() == ByteOrder.nativeOrder() && format.longSize() == 8;
    }

    /**
     * The time of the page's last event, or {@link PageWalker#TORN}; {@code beat[0]} gets its
     * newest heartbeat counter (-1: none), {@code beat[1]} that beat's time, {@code beat[2]} the
     * guest CLOCK_MONOTONIC in it. {@code key}: {@link HeartbeatRecord#key}, or -1 for none.
     */
    public long walk(ByteBuffer b, int at, long key, long[] beat) {
        if (nativeLayout && b.isDirect()) {
            return NATIVE.walk(b, at, format.pageSize(), key, beat);
        }
        return java(b.order(format.order()), at, format, key, beat);
    }

    /** The same walk in Java, whatever the layout. */
    public static long java(ByteBuffer b, int at, PageFormat format, long key, long[] beat) {
        return PageWalker.walk(b, at, format, new HeartbeatRecord.Newest(b, key, beat));
    }

    /** The same walk in the shim; null when it did not load. For the comparison test. */
    static NativePageWalk nativeWalk() {
        return NATIVE;
    }
}
