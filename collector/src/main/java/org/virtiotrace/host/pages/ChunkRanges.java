package org.virtiotrace.host.pages;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.virtiotrace.host.tracedat.ChunkedPages;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * One CPU's pages as runs of trace.dat v7 chunks in files ({@link CompressedSpool}'s): copied as
 * they are into a compressed trace.dat, or decompressed for anything else.
 */
public final class ChunkRanges implements ChunkedPages {
    /** {@code length} bytes of whole chunks at {@code offset} of {@code file}: {@code chunks} of them, {@code pages} bytes of pages. */
    record Range(Path file, long offset, long length, int chunks, long pages) {
    }

    private final List<Range> ranges;
    private final ByteOrder order;
    private final String name;

    ChunkRanges(List<Range> ranges, ByteOrder order, String name) {
        this.ranges = ranges;
        this.order = order;
        this.name = name;
    }

    /**
     * The whole chunks of {@code files} (each a spool of {@link CompressedSpool}, oldest first), as
     * a directory keeps them after a recording: the pages back, in order.
     */
    public static ChunkRanges readBack(List<Path> files, ByteOrder order) throws IOException {
        List<Range> ranges = new java.util.ArrayList<>();
        for (Path f : files) {
            Range r = scan(f, order);
            if (r.chunks() > 0) {
                ranges.add(r);
            }
        }
        return new ChunkRanges(ranges, order, files.isEmpty() ? "nothing" : files.get(files.size() - 1).toString());
    }

    /** A whole file of chunks, read through once for their count and sizes. */
    static Range scan(Path file, ByteOrder order) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = 0;
            int chunks = 0;
            long pages = 0;
            ByteBuffer sizes = ByteBuffer.allocate(8).order(order);
            while (at + 8 <= in.size()) {
                CpuData.readFully(in, sizes.clear(), at, file.toString());
                long next = at + 8 + Integer.toUnsignedLong(sizes.getInt(0));
                if (next > in.size()) {
                    break; // a chunk cut short (the disk filled while it was written): not whole, left out
                }
                chunks++;
                pages += Integer.toUnsignedLong(sizes.getInt(4));
                at = next;
            }
            return new Range(file, 0, at, chunks, pages);
        }
    }

    @Override
    public int chunkCount() {
        return ranges.stream().mapToInt(Range::chunks).sum();
    }

    @Override
    public long copyChunksTo(WritableByteChannel to) throws IOException {
        long n = 0;
        for (Range r : ranges) {
            try (FileChannel in = FileChannel.open(r.file(), StandardOpenOption.READ)) {
                CpuData.transfer(in, r.offset(), r.length(), to, r.file().toString());
            }
            n += r.length();
        }
        return n;
    }

    @Override
    public long size() {
        return ranges.stream().mapToLong(Range::pages).sum();
    }

    @Override
    public void copyTo(WritableByteChannel to) throws IOException {
        ByteBuffer sizes = ByteBuffer.allocate(8).order(order);
        for (Range r : ranges) {
            try (FileChannel in = FileChannel.open(r.file(), StandardOpenOption.READ)) {
                for (long at = r.offset(); at < r.offset() + r.length(); ) {
                    CpuData.readFully(in, sizes.clear(), at, r.file().toString());
                    ByteBuffer z = ByteBuffer.allocate(sizes.getInt(0));
                    CpuData.readFully(in, z, at + 8, r.file().toString());
                    ByteBuffer pages = ByteBuffer.wrap(Zstd.decompress(z.array(), sizes.getInt(4)));
                    while (pages.hasRemaining()) {
                        to.write(pages);
                    }
                    at += 8 + z.capacity();
                }
            }
        }
    }

    @Override
    public String describe() {
        return name;
    }
}
