package org.virtiotrace.host.pages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * Where one CPU's accepted pages are written: one file, or, with a cap (record's --max-size),
 * two that take turns so the newest {@code cap} bytes are always on disk and the disk used stays
 * under about twice the cap. When the current file holds the cap, it becomes the old one (the
 * old one before it is deleted: the oldest pages dropped) and a new current file starts; the
 * kept pages are then the last {@code cap} bytes of old + current. Like {@code trace-cmd record -m},
 * whole pages, per CPU.
 *
 * <p>Written by the CPU's thread only; the counters are volatile for the progress line.
 */
public final class SpoolFile implements Spool {
    private final Path path;
    private final Path oldPath;
    private final long cap;
    private FileChannel current;
    private final boolean owned;
    private volatile long oldBytes;
    private volatile long written;
    /** Bytes of the old files deleted so far. */
    private volatile long deleted;
    /** With a cap: where each run written since the oldest kept one starts, and its first page's time. */
    private final java.util.ArrayDeque<long[]> runs = new java.util.ArrayDeque<>();
    private volatile long oldestKept = -1;

    private SpoolFile(Path path, FileChannel current, long cap, boolean owned) {
        this.path = path;
        this.oldPath = path == null ? null : path.resolveSibling(path.getFileName() + ".old");
        this.current = current;
        this.cap = cap;
        this.owned = owned;
    }

    /** Everything goes to {@code ch}, which the caller owns. */
    public static SpoolFile over(FileChannel ch) {
        return new SpoolFile(null, ch, 0, false);
    }

    /**
     * A spool at {@code path} (made empty) keeping the newest {@code cap} bytes, rounded down to
     * whole {@code pageSize} pages; {@code cap} 0 keeps everything.
     */
    public static SpoolFile open(Path path, long cap, int pageSize) throws IOException {
        long pages = cap / pageSize;
        if (cap > 0 && pages == 0) {
            throw new IllegalArgumentException("a cap of " + cap + " bytes holds no " + pageSize + "-byte page");
        }
        Files.deleteIfExists(path.resolveSibling(path.getFileName() + ".old"));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new SpoolFile(path, ch, pages * pageSize, true);
    }

    @Override
    public void write(ByteBuffer run, long firstTimestamp) throws IOException {
        int len = run.remaining();
        if (cap > 0 && current.position() >= cap) {
            rotate();
        }
        while (run.hasRemaining()) {
            current.write(run);
        }
        if (cap > 0) {
            runs.add(new long[] {written, firstTimestamp});
            long from = written + len - kept(len);
            while (runs.size() > 1 && secondRunStart() <= from) {
                runs.removeFirst();
            }
            oldestKept = runs.getFirst()[1];
        }
        written += len;
    }

    private long secondRunStart() {
        var it = runs.iterator();
        it.next();
        return it.next()[0];
    }

    /**
     * With a cap: the header time of the first page of the oldest run still (partly) kept, no later
     * than the first kept page's (runs are up to a read buffer long); -1 without a cap or any page.
     * For the progress line; the summary takes {@link #firstKeptTimestamp}.
     */
    @Override
    public long oldestKeptAbout() {
        return oldestKept;
    }

    private long kept(long more) {
        return Math.min(cap, oldBytes + currentBytes() + more);
    }

    @Override
    public void finish() {
        // nothing is held back
    }

    /** Where the next byte goes in the current file (for ranges noted beside the session log: no cap then). */
    long position() throws IOException {
        return current.position();
    }

    private void rotate() throws IOException {
        current.close();
        long moving = Files.size(path);
        Files.move(path, oldPath, StandardCopyOption.REPLACE_EXISTING);
        deleted += oldBytes;
        oldBytes = moving;
        current = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Bytes of pages written so far, kept or not. */
    @Override
    public long written() {
        return written;
    }

    /** Bytes on disk now (both files). */
    @Override
    public long onDisk() {
        return oldBytes + currentBytes();
    }

    private long currentBytes() {
        return written - deleted - oldBytes;
    }

    /** Bytes the trace.dat will hold. */
    @Override
    public long kept() {
        long onDisk = onDisk();
        return cap > 0 ? Math.min(cap, onDisk) : onDisk;
    }

    /** Where, in written order (0 = the first page ever written), the kept pages begin. */
    public long keptFrom() {
        return written - kept();
    }

    /** The kept pages: the last {@link #kept()} bytes of old + current. Once the writer is done. */
    @Override
    public CpuData data() {
        long keep = kept();
        long fromCurrent = Math.min(keep, currentBytes());
        long fromOld = keep - fromCurrent;
        return new CpuData() {
            @Override
            public long size() {
                return keep;
            }

            @Override
            public void copyTo(WritableByteChannel to) throws IOException {
                if (fromOld > 0) {
                    try (FileChannel in = FileChannel.open(oldPath, StandardOpenOption.READ)) {
                        CpuData.transfer(in, in.size() - fromOld, fromOld, to, oldPath.toString());
                    }
                }
                try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
                    CpuData.transfer(in, in.size() - fromCurrent, fromCurrent, to, path.toString());
                }
            }

            @Override
            public String describe() {
                return path.toString();
            }
        };
    }

    /** The timestamp in the header of the first kept page, or -1 when none is kept. Once the writer is done. */
    @Override
    public long firstKeptTimestamp(java.nio.ByteOrder order) throws IOException {
        long keep = kept();
        if (keep == 0) {
            return -1;
        }
        long fromCurrent = Math.min(keep, currentBytes());
        Path file = keep > fromCurrent ? oldPath : path;
        ByteBuffer ts = ByteBuffer.allocate(8).order(order);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = keep > fromCurrent ? in.size() - (keep - fromCurrent) : in.size() - fromCurrent;
            CpuData.readFully(in, ts, at, file.toString());
        }
        return ts.getLong(0);
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            current.close();
        }
    }
}
