package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtiotrace.host.link.PortLink;

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
    private final int pageSize;
    private final PageCheck check;
    private volatile boolean stop;
    private volatile long bytes;
    private volatile long lastByteNanos;
    private volatile boolean ended;
    private volatile String failure;
    private volatile PageSpool pageSpool;

    CpuCollector(int cpu, PortLink link, Path spool, int pageSize, ByteOrder order, int longSize) {
        this.cpu = cpu;
        this.link = link;
        this.spool = spool;
        this.pageSize = pageSize;
        this.check = new PageCheck(pageSize, order, longSize);
    }

    @Override
    public void run() {
        try (FileChannel out = FileChannel.open(spool, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            pageSpool = new PageSpool(out, pageSize, check);
            ByteBuffer buf = pageSpool.buffer();
            while (!stop) {
                int n = link.read(buf, READ_TIMEOUT_MS);
                if (n < 0) {
                    ended = true;
                    break;
                }
                if (n > 0) {
                    bytes += n;
                    lastByteNanos = System.nanoTime();
                    pageSpool.consume(false);
                    if (n < LINGER_BELOW && !stop) {
                        // a small read: let the port fill a little before the next look (a read,
                        // then poll only if that finds nothing), so a busy port costs a hundred
                        // wake-ups a second, not one per agent write
                        Thread.sleep(LINGER_MS);
                    }
                }
            }
            pageSpool.consume(true);
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Before the thread starts: reads and drops what the port holds now; returns how many bytes. */
    long dropStale() throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(64 << 10);
        long n = 0;
        for (int r; (r = link.read(b.clear(), 0)) > 0; ) {
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

    Path spool() {
        return spool;
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
}
