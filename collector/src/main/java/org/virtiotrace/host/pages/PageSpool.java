package org.virtiotrace.host.pages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One CPU's bytes in, whole checked pages out to its spool file. The last accepted page
 * ({@link PageCheck#UNDO}) stays in memory a little longer: when a tear shows up, the page before it may
 * hold the loss (bytes lost mid-page leave its header intact, and its events may still walk by
 * chance), so it can still be taken back. What reaches the spool is final.
 *
 * <p>With {@link PageExtents} the pages are not written again: the session log holds every
 * chunk already, so accepted runs are noted as ranges of the log (see {@link #logged}); only
 * bytes the log could not take go to the spool file.
 *
 * <p>Owned by one thread; the counters are volatile for the progress line.
 */
public final class PageSpool {
    private final Spool out;
    private final int pageSize;
    private final PageCheck check;
    private final ByteBuffer buf;
    /** Bytes of accepted pages held at the start of the buffer, not written yet. */
    private int held;
    private volatile long pages;
    private volatile long tornPages;
    private volatile String firstTear;
    private PageExtents extents;
    /** Where the buffer's bytes lie in the session log: {buffer position, log offset, length}, in buffer order. */
    private final java.util.ArrayDeque<long[]> segments = new java.util.ArrayDeque<>();

    private MarkerSearch marker;
    private volatile long markerTime = -1;
    private volatile long newestTimestamp = -1;

    public PageSpool(FileChannel out, PageCheck check) {
        this(SpoolFile.over(out), check);
    }

    public PageSpool(Spool out, PageCheck check) {
        this.out = out;
        this.pageSize = check.format().pageSize();
        this.check = check;
        this.buf = ByteBuffer.allocateDirect(Math.max(1 << 20, 8 * pageSize));
    }

    /**
     * From now on accepted pages are noted in {@code extents} instead of written, where the log
     * holds them; the spool must keep pages as they are ({@link SpoolFile}).
     */
    public void useExtents(PageExtents extents) {
        if (!(out instanceof SpoolFile)) {
            throw new IllegalStateException("ranges of the session log go with a spool of pages as they are");
        }
        this.extents = extents;
    }

    public PageExtents extents() {
        return extents;
    }

    /** From now on every accepted page is searched for this marker until it is found ({@link #markerTime}). */
    public void watchFor(MarkerSearch search) {
        this.marker = search;
    }

    /** The trace time of the first marker found, or -1. */
    public long markerTime() {
        return markerTime;
    }

    /** The header time of the newest accepted page, or -1. */
    public long newestTimestamp() {
        return newestTimestamp;
    }

    /** The buffer's bytes from {@code bufPos} on, {@code len} of them, are at {@code logOffset} in the session log. */
    public void logged(int bufPos, long logOffset, int len) {
        if (extents != null && logOffset >= 0) {
            segments.add(new long[] {bufPos, logOffset, len});
        }
    }

    /** Where the reader puts bytes: at its position, up to its limit. */
    public ByteBuffer buffer() {
        return buf;
    }

    /**
     * Checks and spools what the buffer holds. {@code last}: nothing more will come, so every
     * accepted page is written and a decision is never put off for more bytes.
     */
    public void consume(boolean last) throws IOException {
        buf.flip();
        int limit = buf.limit();
        int w = 0;
        int pos = held;
        int newest = -1;
        while (limit - pos >= pageSize) {
            if (check.accept(buf, pos)) {
                if (marker != null && markerTime < 0) {
                    markerTime = marker.find(buf, pos);
                }
                newest = pos;
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
            if (next != pos) {
                tornPages++; // the page here is refused, unless the stream goes on right here
            }
            write(w, keptUntil);
            pos = next >= 0 ? next : pos + pageSize;
            w = pos;
        }
        if (newest >= 0) {
            newestTimestamp = buf.getLong(newest);
        }
        int keepFrom = last ? pos : Math.max(w, pos - PageCheck.UNDO * pageSize);
        write(w, keepFrom);
        held = pos - keepFrom;
        buf.limit(limit).position(keepFrom);
        buf.compact();
        shiftSegments(keepFrom);
    }

    /** The buffer moved its bytes from {@code by} on to its start. */
    private void shiftSegments(int by) {
        for (java.util.Iterator<long[]> it = segments.iterator(); it.hasNext(); ) {
            long[] g = it.next();
            long start = g[0] - by;
            if (start + g[2] <= 0) {
                it.remove();
                continue;
            }
            if (start < 0) {
                g[1] -= start;
                g[2] += start;
                start = 0;
            }
            g[0] = start;
        }
    }

    private void write(int from, int to) throws IOException {
        if (to <= from) {
            return;
        }
        if (extents == null) {
            writeSpool(from, to);
            return;
        }
        int pos = from;
        for (long[] g : segments) {
            int s = (int) Math.max(pos, g[0]);
            int e = (int) Math.min(to, g[0] + g[2]);
            if (s >= e) {
                continue;
            }
            if (s > pos) {
                writeSpool(pos, s); // bytes the log did not take (it failed): the spool has them
            }
            extents.add(PageExtents.LOG, g[1] + (s - g[0]), e - s);
            pos = e;
        }
        if (pos < to) {
            writeSpool(pos, to);
        }
    }

    private void writeSpool(int from, int to) throws IOException {
        if (extents != null) {
            extents.add(PageExtents.SPOOL, ((SpoolFile) out).position(), to - from);
        }
        ByteBuffer run = buf.duplicate();
        run.limit(to).position(from);
        out.write(run, buf.getLong(from));
    }

    /** After the last {@link #consume}: bytes of a page cut short, dropped. */
    public long leftover() {
        return buf.position() - held;
    }

    public long pages() {
        return pages;
    }

    public long tornPages() {
        return tornPages;
    }

    /** What was wrong where the first tear showed, or null. */
    public String firstTear() {
        return firstTear;
    }
}
