package org.virtiotrace.host.tracedat;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One CPU's pages in, trace.dat v7's compressed chunks out: every {@link #PAGES_IN_CHUNK} pages
 * (the last chunk holds the rest) become {@code u32 compressed size, u32 uncompressed size, one
 * zstd frame}, as trace-cmd writes them (its PAGES_IN_CHUNK, level 3, no content size, no
 * checksum), so its reader finds any page by decompressing the one chunk that holds it. The
 * chunk count that goes in front of them is known at the end ({@link #chunks}).
 *
 * <p>One per CPU, on the thread that compresses it.
 */
public final class ZstdChunks implements WritableByteChannel {
    /** trace-cmd's own chunk: a reader (KernelShark) decompresses this much to show one page. */
    public static final int PAGES_IN_CHUNK = 64;
    static final int LEVEL = 3;

    /** Told of every chunk once it is written. */
    public interface Listener {
        /**
         * @param offset         where the chunk (its sizes) starts in the file it went to
         * @param rawSize        the bytes of pages it holds
         * @param size           its bytes in the file, sizes included
         * @param firstTimestamp the header time of its first page
         */
        void chunk(long offset, int rawSize, int size, long firstTimestamp) throws IOException;
    }

    private FileChannel out;
    private Listener listener;
    private final ZstdCompressCtx ctx = new ZstdCompressCtx();
    private final ByteBuffer in;
    private final ByteBuffer frame;
    private final ByteBuffer head;
    private int chunks;
    private boolean open = true;

    public ZstdChunks(FileChannel out, int pageSize, ByteOrder order) {
        this.out = out;
        int chunk = PAGES_IN_CHUNK * pageSize;
        this.in = ByteBuffer.allocateDirect(chunk);
        this.frame = ByteBuffer.allocateDirect((int) Zstd.compressBound(chunk));
        this.head = ByteBuffer.allocate(8).order(order);
        this.in.order(order);
        ctx.setLevel(LEVEL);
        ctx.setContentSize(false);
        ctx.setChecksum(false);
    }

    /** Every chunk from now on is told to {@code l}, which may {@link #redirect} the next ones. */
    public ZstdChunks listen(Listener l) {
        this.listener = l;
        return this;
    }

    /** The chunks from now on go to {@code to}: between chunks, from a {@link Listener}. */
    public void redirect(FileChannel to) {
        this.out = to;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        while (src.hasRemaining()) {
            if (in.position() == 0 && src.isDirect() && src.remaining() >= in.capacity()) {
                // a whole chunk where the caller has it (a collector's read buffer): no copy first
                int at = src.position();
                compress(src, at, in.capacity(), src.duplicate().order(in.order()).getLong(at));
                src.position(at + in.capacity());
                continue;
            }
            int take = Math.min(src.remaining(), in.remaining());
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + take);
            in.put(part);
            src.position(src.position() + take);
            if (!in.hasRemaining()) {
                flushChunk();
            }
        }
        return n;
    }

    private void flushChunk() throws IOException {
        int size = in.position();
        if (size > 0) {
            compress(in, 0, size, in.getLong(0));
            in.clear();
        }
    }

    /** Compresses {@code size} bytes of {@code from} at {@code off} into one chunk and writes it. */
    private void compress(ByteBuffer from, int off, int size, long firstTimestamp) throws IOException {
        frame.clear();
        int z = ctx.compressDirectByteBuffer(frame, 0, frame.capacity(), from, off, size);
        head.clear();
        head.putInt(z).putInt(size).flip();
        frame.clear().limit(z);
        long at = out.position();
        ByteBuffer[] both = {head, frame};
        while (frame.hasRemaining()) {
            out.write(both);
        }
        chunks++;
        if (listener != null) {
            listener.chunk(at, size, 8 + z, firstTimestamp);
        }
    }

    /** Writes the last, shorter chunk. */
    public void finish() throws IOException {
        flushChunk();
    }

    /** How many chunks were written. After {@link #finish}. */
    int chunks() {
        return chunks;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
        ctx.close();
    }
}
