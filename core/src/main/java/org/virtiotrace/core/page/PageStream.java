package org.virtiotrace.core.page;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream of whole sub-buffers of this machine's kernel as a trace port carries them, checked
 * the way a host tool would read it: every page parses, timestamps never go backwards, no bytes
 * left over.
 */
public final class PageStream {
    private final List<RingBufferPage> pages = new ArrayList<>();
    private final List<String> defects = new ArrayList<>();
    private final int leftover;

    private PageStream(ByteBuffer data, int subBufferSize, boolean oneCpu) {
        PageFormat format = PageFormat.local(subBufferSize);
        data.order(format.order());
        int n = data.remaining() / subBufferSize;
        long lastTs = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            RingBufferPage p = RingBufferPage.parse(data, data.position() + i * subBufferSize, format);
            pages.add(p);
            if (!p.isValid()) {
                defects.add("page " + i + ": " + p.defect());
            }
            if (oneCpu && Long.compareUnsigned(p.timestamp(), lastTs) < 0 && lastTs != Long.MIN_VALUE) {
                defects.add("page " + i + ": timestamp " + p.timestamp() + " goes back from " + lastTs);
            }
            lastTs = p.timestamp();
        }
        leftover = data.remaining() - n * subBufferSize;
        if (leftover != 0) {
            defects.add(leftover + " bytes after the last whole page (a torn page)");
        }
    }

    /** One CPU's stream: timestamps must never go backwards. */
    public static PageStream of(byte[] data, int subBufferSize) {
        return new PageStream(ByteBuffer.wrap(data), subBufferSize, true);
    }

    /** Several CPUs' pages taking turns (-o): each page is checked, their order is not. */
    public static PageStream interleaved(byte[] data, int subBufferSize) {
        return new PageStream(ByteBuffer.wrap(data), subBufferSize, false);
    }

    public List<RingBufferPage> pages() {
        return pages;
    }

    public long events() {
        return pages.stream().mapToLong(RingBufferPage::events).sum();
    }

    public long pagesWithMissedEvents() {
        return pages.stream().filter(RingBufferPage::missedEvents).count();
    }

    /** Empty when the stream is what a host tool can read whole. */
    public List<String> defects() {
        return defects;
    }
}
