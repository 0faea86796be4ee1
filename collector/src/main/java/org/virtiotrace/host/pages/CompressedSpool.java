package org.virtiotrace.host.pages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.ZstdChunks;

/**
 * A spool that compresses as it goes (record --compress zstd): accepted pages become trace.dat
 * v7 chunks at once ({@link ZstdChunks}), so the disk holds a few percent of the pages while
 * recording, the pages are written once instead of twice (spool, then file), and the trace.dat
 * takes the chunks as they are. With a cap, like {@link SpoolFile}: two files take turns, whole
 * chunks, and the kept pages are the newest chunks whose pages add up to no more than the cap.
 *
 * <p>Written by the CPU's thread only; the counters are volatile for the progress line.
 */
public final class CompressedSpool implements Spool {
    /** One kept chunk: the file generation it went to, where, its size there, its pages' bytes, its first page's time. */
    private record Chunk(int generation, long offset, int size, int rawSize, long firstTimestamp) {
    }

    private final Path path;
    private final Path oldPath;
    private final long cap;
    private FileChannel current;
    private final ZstdChunks chunks;
    private final ByteOrder order;
    /** With a cap: the kept chunks, oldest first, all in the current file or the old one. */
    private final ArrayDeque<Chunk> window = new ArrayDeque<>();
    private int generation;
    private int chunkCount;
    private long currentRaw;
    private long currentBytes;
    private long oldBytes;
    private volatile long written;
    private volatile long onDisk;
    private volatile long kept;
    private volatile long oldestKept = -1;
    /** The header time of the first page written: the first kept one without a cap. */
    private long firstEver = -1;

    private CompressedSpool(Path path, long cap, FileChannel current, PageFormat format) {
        this.path = path;
        this.oldPath = path.resolveSibling(path.getFileName() + ".old");
        this.cap = cap;
        this.current = current;
        this.order = format.order();
        this.chunks = new ZstdChunks(current, format.pageSize(), order).listen(this::chunkWritten);
    }

    /** A compressing spool at {@code path} (made empty) keeping the newest {@code cap} bytes of pages (0: all). */
    public static CompressedSpool open(Path path, long cap, PageFormat format) throws IOException {
        int chunk = ZstdChunks.PAGES_IN_CHUNK * format.pageSize();
        if (cap > 0 && cap < chunk) {
            throw new IllegalArgumentException("a cap of " + cap + " bytes holds no " + chunk + "-byte chunk of "
                    + ZstdChunks.PAGES_IN_CHUNK + " pages");
        }
        Files.deleteIfExists(path.resolveSibling(path.getFileName() + ".old"));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new CompressedSpool(path, cap, ch, format);
    }

    @Override
    public void write(ByteBuffer run, long firstTimestamp) throws IOException {
        int len = run.remaining();
        chunks.write(run);
        written += len;
    }

    private void chunkWritten(long offset, int rawSize, int size, long firstTimestamp) throws IOException {
        if (firstEver < 0) {
            firstEver = firstTimestamp;
        }
        currentRaw += rawSize;
        currentBytes += size;
        onDisk = oldBytes + currentBytes;
        if (cap == 0) {
            chunkCount++;
            kept += rawSize;
            return;
        }
        window.addLast(new Chunk(generation, offset, size, rawSize, firstTimestamp));
        long k = kept + rawSize;
        while (k > cap) {
            k -= window.removeFirst().rawSize();
        }
        kept = k;
        oldestKept = window.isEmpty() ? -1 : window.peekFirst().firstTimestamp();
        if (currentRaw >= cap) {
            rotate(); // the window, at most the cap, now lies in the old file and the new one
        }
    }

    /** The current file becomes the old one (the old one before it is deleted), and a new one starts. */
    private void rotate() throws IOException {
        current.close();
        Files.move(path, oldPath, StandardCopyOption.REPLACE_EXISTING);
        oldBytes = currentBytes;
        currentBytes = 0;
        currentRaw = 0;
        generation++;
        current = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        chunks.redirect(current);
        onDisk = oldBytes;
    }

    @Override
    public void finish() throws IOException {
        chunks.finish();
    }

    @Override
    public long written() {
        return written;
    }

    @Override
    public long onDisk() {
        return onDisk;
    }

    @Override
    public long kept() {
        return kept;
    }

    @Override
    public long oldestKeptAbout() {
        return oldestKept;
    }

    @Override
    public long firstKeptTimestamp(ByteOrder order) throws IOException {
        if (cap > 0) {
            return window.isEmpty() ? -1 : window.peekFirst().firstTimestamp();
        }
        return firstEver;
    }

    /** The kept chunks, oldest first, as ranges of the two files. */
    private List<ChunkRanges.Range> keptRanges() {
        List<ChunkRanges.Range> out = new ArrayList<>();
        if (cap == 0) {
            out.add(new ChunkRanges.Range(path, 0, currentBytes, chunkCount, kept));
            return out;
        }
        for (Chunk c : window) {
            Path file = c.generation() == generation ? path : oldPath;
            ChunkRanges.Range last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.file().equals(file) && last.offset() + last.length() == c.offset()) {
                out.set(out.size() - 1, new ChunkRanges.Range(file, last.offset(), last.length() + c.size(),
                        last.chunks() + 1, last.pages() + c.rawSize()));
            } else {
                out.add(new ChunkRanges.Range(file, c.offset(), c.size(), 1, c.rawSize()));
            }
        }
        return out;
    }

    @Override
    public CpuData data() {
        return new ChunkRanges(keptRanges(), order, path.toString());
    }

    @Override
    public void close() throws IOException {
        current.close();
        chunks.close();
    }
}
