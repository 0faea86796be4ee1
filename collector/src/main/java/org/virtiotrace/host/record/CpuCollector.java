package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.host.link.PortLink;
import org.virtiotrace.host.pages.PageCheck;
import org.virtiotrace.host.pages.PageExtents;
import org.virtiotrace.host.pages.MarkerSearch;
import org.virtiotrace.host.pages.PageSpool;
import org.virtiotrace.host.pages.CompressedSpool;
import org.virtiotrace.host.pages.Spool;
import org.virtiotrace.host.pages.SpoolFile;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * One CPU's port, read at full speed on a thread of its own into its {@link PageSpool}: whole
 * checked pages to the CPU's spool file, torn pages counted and skipped (never written),
 * losses the kernel marked summed. The spool holds only whole pages at every moment, so a
 * trace.dat made from it once the thread has ended (even after a second Ctrl-C) is valid up to
 * the last whole page.
 *
 * <p>The thread owns the link and the spool; the counters are read by others (volatile).
 */
final class CpuCollector implements Runnable {
    private static final int READ_TIMEOUT_MS = 200;
    /** The port's FIFO holds 1 MiB: 50 ms of one CPU's share of the heaviest load measured here. */
    private static final int LINGER_MS = 5;
    private static final int LINGER_BELOW = 256 << 10;

    final int cpu;
    private final PortLink link;
    private final Path spool;
    private final PageCheck check;
    private final SessionLog log;
    /** The session log that holds the pages, so the spool need not: or null. */
    private final Path extentsIn;
    private volatile boolean stop;
    private volatile long bytes;
    private volatile long lastByteNanos;
    private volatile boolean ended;
    private volatile String failure;
    private volatile PageSpool pageSpool;
    private volatile Spool spoolFile;
    private final boolean compress;
    private final long maxSize;
    private final MarkerSearch marker;

    /**
     * @param pagesInLog   the session log keeps the pages, so the spool need not (unless the log fails)
     * @param heartbeatKey what the agent's heartbeats look like ({@link HeartbeatRecord#key}), or -1
     * @param maxSize      keep only the newest this many bytes of pages (0: all); not with pagesInLog
     * @param marker       the marker to look for in every page (--until-marker), or null
     * @param compress     the spool compresses as it goes ({@link CompressedSpool}); not with pagesInLog
     */
    CpuCollector(int cpu, PortLink link, Path spool, PageFormat format, SessionLog log, boolean pagesInLog,
                 long heartbeatKey, long maxSize, MarkerSearch marker, boolean compress) {
        this.cpu = cpu;
        this.compress = compress;
        this.maxSize = maxSize;
        this.marker = marker;
        this.log = log;
        this.extentsIn = pagesInLog && log.enabled() ? log.path() : null;
        this.link = link;
        this.spool = spool;
        this.check = new PageCheck(format);
        check.watchHeartbeats(heartbeatKey);
        log.event(SessionEvent.DATA_OPEN, cpu, link.describe());
    }

    @Override
    public void run() {
        try (Spool out = compress ? CompressedSpool.open(spool, maxSize, check.format())
                : SpoolFile.open(spool, maxSize, check.format().pageSize())) {
            spoolFile = out;
            pageSpool = new PageSpool(out, check);
            if (extentsIn != null) {
                pageSpool.useExtents(new PageExtents(extentsIn, spool));
            }
            if (marker != null) {
                pageSpool.watchFor(marker);
            }
            ByteBuffer buf = pageSpool.buffer();
            while (!stop) {
                int n = take(buf, READ_TIMEOUT_MS);
                if (n > 0 && n < LINGER_BELOW && !stop) {
                    // a small read: let the port fill a little before the next look (a read,
                    // then poll only if that finds nothing), so a busy port costs a hundred
                    // wake-ups a second, not one per agent write
                    Thread.sleep(LINGER_MS);
                }
            }
            // what the port already holds when we stop is this recording's too (a tail that came late)
            while (!ended && take(buf, 0) > 0) {
                // taken
            }
            pageSpool.consume(true);
            out.finish();
        } catch (IOException e) {
            if (e instanceof NativeException) {
                log.portError(link.describe(), e); // the port's, not the spool's
            }
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
        } catch (RuntimeException e) {
            failure = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One read into the spool's buffer, logged and checked; returns the bytes, 0 for none, -1 at end of file. */
    private int take(ByteBuffer buf, int timeoutMs) throws IOException {
        if (ended) {
            return -1;
        }
        int n = link.read(buf, timeoutMs);
        if (n < 0) {
            log.event(SessionEvent.DATA_EOF, cpu);
            ended = true;
            stop = true;
        } else if (n > 0) {
            long at = log.chunk(SessionEvent.DATA, cpu, buf, buf.position() - n, n);
            pageSpool.logged(buf.position() - n, at, n);
            bytes += n;
            lastByteNanos = System.nanoTime();
            pageSpool.consume(false);
        }
        return n;
    }

    /** Before the thread starts: reads and drops what the port holds now; returns how many bytes. */
    long dropStale() throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(64 << 10);
        long n = 0;
        for (int r; (r = link.read(b.clear(), 0)) > 0; ) {
            log.chunk(SessionEvent.DATA_STALE, cpu, b, 0, r);
            n += r;
        }
        return n;
    }

    /** Asks the thread to finish what it has and end; returns at once. */
    void stop() {
        stop = true;
        link.wake();
    }

    void close() {
        link.close();
    }

    String describe() {
        return link.describe();
    }

    /** The pages for the trace.dat: ranges of the session log, or the spool file. After the thread ended. */
    CpuData data() {
        PageSpool p = pageSpool;
        Spool f = spoolFile;
        return p != null && p.extents() != null ? p.extents() : f != null ? f.data() : CpuData.of(spool);
    }

    /** The spool's bytes: written, kept, dropped, on disk; null before the thread opened it. */
    Spool spoolFile() {
        return spoolFile;
    }

    /** The trace time of the first --until-marker marker in this CPU's pages, or -1. */
    long markerTime() {
        PageSpool p = pageSpool;
        return p == null ? -1 : p.markerTime();
    }

    /** The header time of the newest page, or -1. */
    long newestTimestamp() {
        PageSpool p = pageSpool;
        return p == null ? -1 : p.newestTimestamp();
    }

    PageFormat format() {
        return check.format();
    }

    long bytes() {
        return bytes;
    }

    long pages() {
        PageSpool p = pageSpool;
        return p == null ? 0 : p.pages();
    }

    long tornPages() {
        PageSpool p = pageSpool;
        return p == null ? 0 : p.tornPages();
    }

    long lostEvents() {
        return check.lostEvents();
    }

    long pagesWithUncountedLoss() {
        return check.pagesWithUncountedLoss();
    }

    /** System.nanoTime() of the last byte, 0 before the first. */
    long lastByteNanos() {
        return lastByteNanos;
    }

    /** The port's other side went away (the guest or QEMU ended) before we stopped. */
    boolean ended() {
        return ended;
    }

    /** Bytes after the last whole page when the stream stopped: a page cut short. */
    long leftover() {
        PageSpool p = pageSpool;
        return p == null ? 0 : p.leftover();
    }

    /** What was wrong with the first torn page, or null. */
    String firstTear() {
        PageSpool p = pageSpool;
        return p == null ? null : p.firstTear();
    }

    String failure() {
        return failure;
    }

    /** This CPU's heartbeat times (see {@link PageCheck#heartbeatTimes}); once its thread has ended. */
    List<HeartbeatRecord.Beat> heartbeatTimes() {
        return check.heartbeatTimes();
    }

    /** The newest heartbeat this CPU's stream carried (the page walk finds them), -1 before the first. */
    long lastHeartbeat() {
        return check.lastHeartbeat();
    }
}
