package org.virtiotrace.host.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtiotrace.host.link.PortLink;

/**
 * One CPU's port, read at full speed on a thread of its own: bytes in, whole checked pages
 * appended to the CPU's spool file, a torn page counted and skipped (never written), losses
 * the kernel marked summed. The spool holds only whole pages at every moment, so a trace.dat
 * made from it at any time (a second Ctrl-C) is valid up to the last whole page.
 *
 * <p>The thread owns the link and the spool; the counters are read by others (volatile).
 */
final class CpuCollector implements Runnable {
    private static final int READ_TIMEOUT_MS = 200;
    /** The port's FIFO holds 1 MiB: 25 ms of the heaviest load measured here, so 5 ms is safe. */
    private static final int LINGER_MS = 5;
    private static final int LINGER_BELOW = 256 << 10;

    final int cpu;
    private final PortLink link;
    private final Path spool;
    private final int pageSize;
    private final PageCheck check;
    private volatile boolean stop;
    private volatile long bytes;
    private volatile long pages;
    private volatile long tornPages;
    private volatile long lastByteNanos;
    private volatile boolean ended;
    private volatile String failure;
    private long leftover;
    private volatile String firstTear;

    CpuCollector(int cpu, PortLink link, Path spool, int pageSize, ByteOrder order, int longSize) {
        this.cpu = cpu;
        this.link = link;
        this.spool = spool;
        this.pageSize = pageSize;
        this.check = new PageCheck(pageSize, order, longSize);
    }

    @Override
    public void run() {
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(1 << 20, 4 * pageSize));
        try (FileChannel out = FileChannel.open(spool, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (!stop) {
                int n = link.read(buf, READ_TIMEOUT_MS);
                if (n < 0) {
                    ended = true;
                    break;
                }
                if (n > 0) {
                    bytes += n;
                    lastByteNanos = System.nanoTime();
                    consume(buf, out, false);
                    if (n < LINGER_BELOW && !stop) {
                        // a small read: let the port fill a little before the next look, so a
                        // busy port costs a few wake-ups a second, not one per agent write
                        Thread.sleep(LINGER_MS);
                    }
                }
            }
            consume(buf, out, true);
            leftover = buf.position();
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Before the thread starts: reads and drops what the port holds now; returns how many bytes. */
    long dropStale() throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 << 10);
        long n = 0;
        for (int r; (r = link.read(buf.clear(), 0)) > 0; ) {
            n += r;
        }
        return n;
    }

    /** Writes the whole pages at the front of {@code buf}; keeps the partial rest for later. */
    private void consume(ByteBuffer buf, FileChannel out, boolean last) throws IOException {
        buf.flip();
        int limit = buf.limit();
        int pos = 0;
        int runStart = 0;
        while (limit - pos >= pageSize) {
            if (check.accept(buf, pos)) {
                pos += pageSize;
                pages++;
                continue;
            }
            writeRun(buf, out, runStart, pos);
            runStart = pos;
            int next = check.realign(buf, pos, limit);
            if (next < 0 && !last && limit - pos < 3 * pageSize + 1) {
                break; // wait for more bytes before deciding where pages start again
            }
            if (firstTear == null) {
                firstTear = "page " + pages + ": " + check.defect(buf, pos);
            }
            dropLastIfTorn(out);
            tornPages++;
            pos = next < 0 ? pos + pageSize : next;
            runStart = pos;
        }
        writeRun(buf, out, runStart, pos);
        buf.limit(limit).position(pos);
        buf.compact();
    }

    /**
     * The tear may have begun inside a page before it: bytes lost mid-page leave that page's
     * header intact, and the shifted bytes after it may even pass for a page header. Walk the
     * last pages written, newest first, and take back out of the spool each one whose event
     * walk fails (at most {@link PageCheck#UNDO}).
     */
    private void dropLastIfTorn(FileChannel out) throws IOException {
        ByteBuffer prev = ByteBuffer.allocate(pageSize);
        for (int i = 0; i < PageCheck.UNDO && pages > 0; i++) {
            long size = out.size();
            prev.clear();
            while (prev.hasRemaining() && out.read(prev, size - pageSize + prev.position()) > 0) {
                // pread until the page is whole
            }
            if (check.walks(prev, 0) || !check.forgetLast()) {
                return;
            }
            out.truncate(size - pageSize);
            out.position(size - pageSize);
            pages--;
            tornPages++;
        }
    }

    private static void writeRun(ByteBuffer buf, FileChannel out, int from, int to) throws IOException {
        if (to <= from) {
            return;
        }
        ByteBuffer run = buf.duplicate();
        run.limit(to).position(from);
        while (run.hasRemaining()) {
            out.write(run);
        }
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
        return pages;
    }

    long tornPages() {
        return tornPages;
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
        return leftover;
    }

    /** What was wrong with the first torn page, or null. */
    String firstTear() {
        return firstTear;
    }

    String failure() {
        return failure;
    }
}
