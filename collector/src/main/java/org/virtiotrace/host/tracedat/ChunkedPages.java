package org.virtiotrace.host.tracedat;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * One CPU's pages already compressed into trace.dat v7 chunks while they were recorded
 * ({@link ZstdChunks}), so a compressed trace.dat copies them as they are. {@link #size()} and
 * {@link #copyTo} still give the pages themselves (decompressed), for any other use.
 */
public interface ChunkedPages extends CpuData {
    /** How many chunks {@link #copyChunksTo} writes. */
    int chunkCount();

    /** Appends the chunks (each with its two sizes, no count in front); returns their bytes. */
    long copyChunksTo(WritableByteChannel to) throws IOException;
}
