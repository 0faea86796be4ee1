package org.virtiotrace.host.session;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * A session log's bytes as {@link LogReader} takes them: words in the file's byte order, byte
 * strings, skips, where it is in the file, and the CRC of what was read since a record began
 * (a record whose bytes were skipped, not read, cannot be checked: {@link #summed()} says so).
 * An end of file inside anything is an {@link EOFException}.
 */
final class LogInput implements AutoCloseable {
    private final InputStream in;
    private final ByteOrder order;
    private final byte[] word = new byte[8];
    private final CRC32 crc = new CRC32();
    private long offset;
    private boolean summing;

    LogInput(InputStream in, ByteOrder order, long offset) {
        this.in = in;
        this.order = order;
        this.offset = offset;
    }

    long offset() {
        return offset;
    }

    /** From here on what is read is summed. */
    void beginSum() {
        crc.reset();
        summing = true;
    }

    /** True when every byte since {@link #beginSum} was read (none skipped). */
    boolean summed() {
        return summing;
    }

    /** The CRC of what was read since {@link #beginSum}; nothing after it is summed. */
    long endSum() {
        summing = false;
        return crc.getValue();
    }

    long u64() throws IOException {
        read(word, 8);
        return ByteBuffer.wrap(word).order(order).getLong();
    }

    long u32() throws IOException {
        read(word, 4);
        return ByteBuffer.wrap(word, 0, 4).order(order).getInt() & 0xffff_ffffL;
    }

    byte[] bytes(int n) throws IOException {
        byte[] b = new byte[n];
        read(b, n);
        return b;
    }

    void read(byte[] b, int n) throws IOException {
        int got = in.readNBytes(b, 0, n);
        offset += got;
        if (summing) {
            crc.update(b, 0, got);
        }
        if (got < n) {
            throw new EOFException();
        }
    }

    void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                throw new EOFException();
            }
            left -= s;
            offset += s;
        }
        summing = false; // skipped bytes are not summed: the record cannot be checked
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
