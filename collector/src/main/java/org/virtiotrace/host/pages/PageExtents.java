package org.virtiotrace.host.pages;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * One CPU's accepted pages as ranges of the files that already hold them: the session log
 * (whose data records store every chunk once), or, for bytes the log could not take, the
 * CPU's own spool. With a session log the pages are written once while recording, and the
 * trace.dat is assembled from these ranges at the end.
 *
 * <p>Appended by the CPU's thread; read once that thread has ended.
 */
public final class PageExtents implements CpuData {
    static final byte LOG = 0;
    static final byte SPOOL = 1;

    private final Path log;
    private final Path spool;
    private long[] offsets = new long[256];
    private long[] lengths = new long[256];
    private byte[] sources = new byte[256];
    private int n;

    public PageExtents(Path log, Path spool) {
        this.log = log;
        this.spool = spool;
    }

    void add(byte source, long offset, long length) {
        if (length <= 0) {
            return;
        }
        if (n > 0 && sources[n - 1] == source && offsets[n - 1] + lengths[n - 1] == offset) {
            lengths[n - 1] += length;
            return;
        }
        if (n == offsets.length) {
            offsets = Arrays.copyOf(offsets, n * 2);
            lengths = Arrays.copyOf(lengths, n * 2);
            sources = Arrays.copyOf(sources, n * 2);
        }
        offsets[n] = offset;
        lengths[n] = length;
        sources[n] = source;
        n++;
    }

    @Override
    public long size() {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += lengths[i];
        }
        return s;
    }

    @Override
    public void copyTo(WritableByteChannel to) throws IOException {
        try (FileChannel l = FileChannel.open(log, StandardOpenOption.READ);
             FileChannel s = FileChannel.open(spool, StandardOpenOption.READ)) {
            for (int i = 0; i < n; i++) {
                CpuData.transfer(sources[i] == LOG ? l : s, offsets[i], lengths[i], to,
                        sources[i] == LOG ? log.toString() : spool.toString());
            }
        }
    }

    @Override
    public String describe() {
        return spool + " (pages in " + log + ")";
    }
}
