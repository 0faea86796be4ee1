package org.virtiotrace.host.pages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * Where one CPU's accepted pages are kept while recording: as they are ({@link SpoolFile}), or
 * compressed into trace.dat v7 chunks as they come ({@link CompressedSpool}); either may keep
 * only the newest pages under a cap. Written by the CPU's thread; the counters may be read by
 * any (the progress line).
 */
public interface Spool extends AutoCloseable {
    /** Appends whole pages; {@code firstTimestamp} is the first one's header time. */
    void write(ByteBuffer run, long firstTimestamp) throws IOException;

    /** Writes what is still held back (a compressor's last chunk); after the last page. */
    void finish() throws IOException;

    /** Bytes of pages written so far, kept or not. */
    long written();

    /** Bytes on disk now. */
    long onDisk();

    /** Bytes of pages the trace.dat will hold. */
    long kept();

    /** Bytes of pages dropped to stay under the cap (0 without one). */
    default long dropped() {
        return written() - kept();
    }

    /**
     * With a cap: a time no later than the first kept page's (for the progress line); -1 without
     * a cap or any page.
     */
    long oldestKeptAbout();

    /** The header time of the first kept page, or -1 when none is kept. Once the writer is done. */
    long firstKeptTimestamp(ByteOrder order) throws IOException;

    /** The kept pages, for the trace.dat. Once the writer is done. */
    CpuData data();

    @Override
    void close() throws IOException;
}
