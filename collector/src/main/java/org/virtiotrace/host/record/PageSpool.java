package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One CPU's bytes in, whole checked pages out to its spool file. The last {@link PageCheck#UNDO}
 * accepted pages stay in memory a little longer: when a tear shows up, the page before it may
 * hold the loss (bytes lost mid-page leave its header intact, and its events may still walk by
 * chance), so it can still be taken back. What reaches the spool is final.
 *
 * <p>Owned by one thread; the counters are volatile for the progress line.
 */
final class PageSpool {
    private final FileChannel out;
    private final int pageSize;
    private final PageCheck check;
    private final ByteBuffer buf;
    /** Bytes of accepted pages held at the start of the buffer, not written yet. */
    private int held;
    private volatile long pages;
    private volatile long tornPages;
    private volatile String firstTear;

    PageSpool(FileChannel out, int pageSize, PageCheck check) {
        this.out = out;
        this.pageSize = pageSize;
        this.check = check;
        this.buf = ByteBuffer.allocateDirect(Math.max(1 << 20, 8 * pageSize));
    }

    /** Where the reader puts bytes: at its position, up to its limit. */
    ByteBuffer buffer() {
        return buf;
    }

    /**
     * Checks and spools what the buffer holds. {@code last}: nothing more will come, so every
     * accepted page is written and a decision is never put off for more bytes.
     */
    void consume(boolean last) throws IOException {
        buf.flip();
        int limit = buf.limit();
        int w = 0;
        int pos = held;
        while (limit - pos >= pageSize) {
            if (check.accept(buf, pos)) {
                pos += pageSize;
                pages++;
                continue;
            }
            if (!last && limit - pos < 3 * pageSize + 1) {
                break; // wait for more bytes before deciding where pages start again
            }
            if (firstTear == null) {
                firstTear = "page " + pages + ": " + check.reason(buf, pos);
            }
            int next = check.recover(buf, pos, pos - pageSize >= w, limit);
            int keptUntil = pos;
            if (check.tookBackLast()) {
                keptUntil = pos - pageSize;
                pages--;
                tornPages++;
            }
            tornPages++;
            write(w, keptUntil);
            pos = next >= 0 ? next : pos + pageSize;
            w = pos;
        }
        int keepFrom = last ? pos : Math.max(w, pos - PageCheck.UNDO * pageSize);
        write(w, keepFrom);
        held = pos - keepFrom;
        buf.limit(limit).position(keepFrom);
        buf.compact();
    }

    private void write(int from, int to) throws IOException {
        if (to <= from) {
            return;
        }
        ByteBuffer run = buf.duplicate();
        run.limit(to).position(from);
        while (run.hasRemaining()) {
            out.write(run);
        }
    }

    /** After the last {@link #consume}: bytes of a page cut short, dropped. */
    long leftover() {
        return buf.position() - held;
    }

    long pages() {
        return pages;
    }

    long tornPages() {
        return tornPages;
    }

    /** What was wrong where the first tear showed, or null. */
    String firstTear() {
        return firstTear;
    }
}
