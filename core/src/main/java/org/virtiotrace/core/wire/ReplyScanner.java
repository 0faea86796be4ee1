package org.virtiotrace.core.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;

/**
 * The host's reader of agent-ctl-path: bytes in, in whatever pieces they arrive;
 * {@link ReplyFrame}s out, with what was skipped on the way. Bytes before a valid header
 * are noise (a console message, an earlier reply cut short); a header whose CRC fails is
 * noise too; a payload whose CRC or decoding fails is a damaged reply, reported, and
 * reading goes on after it. A reply still incomplete when the stream ends, or when the
 * host gives up waiting, is {@link #pendingDescription() truncated}.
 *
 * <p>Not thread-safe: one reader owns it.
 */
public final class ReplyScanner {
    /** Smallest buffer; a larger one, grown for a large reply, is let go once that reply is read. */
    private static final int MIN_BUFFER = 64 << 10;
    /**
     * The bytes not yet made into replies: {@code buf[0..size)}, scanned where they lie. A copy of
     * them at every read made a multi-megabyte reply (the metadata) cost its size squared over the
     * read size in garbage: ~70 MB for 3 MB, and a fleet of guests fetching at once grew the heap by that.
     */
    private byte[] buf = new byte[MIN_BUFFER];
    private int size;
    private final List<String> problems = new ArrayList<>();
    private long noiseBytes;

    /** Feeds bytes; returns the replies they completed, in order. */
    public List<ReplyFrame> feed(byte[] data, int off, int len) {
        if (size + len > size) {
            buf = Arrays.copyOf(buf, Math.max(size * 2, size + len));
        }
        System.arraycopy(data, off, buf, size, len);
        size += len;
        List<ReplyFrame> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int start = indexOfMagic(buf, pos, size);
            if (start < 0) {
                // keep a tail that could be the start of a magic split across reads
                int keep = Math.min(ReplyFrame.MAGIC.length - 1, size - pos);
                noiseBytes += size - pos - keep;
                pos = size - keep;
                break;
            }
            noiseBytes += start - pos;
            pos = start;
            if (size - pos < ReplyFrame.HEADER_SIZE) {
                break;
            }
            ByteBuffer h = ByteBuffer.wrap(buf, pos, ReplyFrame.HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
            long headerCrc = h.getInt(24) & 0xffffffffL;
            int length = h.getInt(12);
            int decoded = h.getInt(16);
            if (ReplyFrame.crc(buf, pos, 24) != headerCrc || h.get(4) != ReplyFrame.VERSION
                    || length < 0 || decoded < 0 || length > ReplyFrame.MAX_PAYLOAD
                    || decoded > ReplyFrame.MAX_PAYLOAD) {
                noiseBytes += 1;
                pos += 1;
                continue;
            }
            if (size - pos - ReplyFrame.HEADER_SIZE < length) {
                // Still waiting for the payload; but if a whole, valid reply already sits inside
                // the awaited bytes, this one was cut short (the agent gave up on it).
                int inner = wholeReplyWithin(buf, pos + 1, size);
                if (inner < 0) {
                    break;
                }
                problems.add("reply " + (h.getInt(8) & 0xffffffffL) + ": cut after " + (inner - pos
                        - ReplyFrame.HEADER_SIZE) + " of " + length + " payload bytes (the agent gave up on it)");
                pos = inner;
                continue;
            }
            int bodyAt = pos + ReplyFrame.HEADER_SIZE;
            long id = h.getInt(8) & 0xffffffffL;
            pos = bodyAt + length;
            if (ReplyFrame.crc(buf, bodyAt, length) != (h.getInt(20) & 0xffffffffL)) {
                problems.add("reply " + id + ": payload CRC mismatch (" + length + " bytes); damaged in transit");
                continue;
            }
            byte[] body = Arrays.copyOfRange(buf, bodyAt, bodyAt + length);
            try {
                if (h.get(6) == ReplyFrame.ZLIB) {
                    body = ReplyFrame.inflate(body, decoded);
                } else if (h.get(6) != ReplyFrame.IDENTITY) {
                    problems.add("reply " + id + ": unknown encoding " + h.get(6));
                    continue;
                }
            } catch (DataFormatException e) {
                problems.add("reply " + id + ": cannot decompress: " + e.getMessage());
                continue;
            }
            out.add(new ReplyFrame(h.get(5), id, body));
        }
        int left = size - pos;
        if (buf.length > MIN_BUFFER && left <= MIN_BUFFER) {
            byte[] smaller = new byte[MIN_BUFFER];
            System.arraycopy(buf, pos, smaller, 0, left);
            buf = smaller;
        } else {
            System.arraycopy(buf, pos, buf, 0, left);
        }
        size = left;
        return out;
    }

    /** Where a complete reply with valid CRCs starts at or after {@code from}, or -1. */
    private static int wholeReplyWithin(byte[] b, int from, int end) {
        for (int at = indexOfMagic(b, from, end); at >= 0; at = indexOfMagic(b, at + 1, end)) {
            if (end - at < ReplyFrame.HEADER_SIZE) {
                return -1;
            }
            ByteBuffer h = ByteBuffer.wrap(b, at, ReplyFrame.HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
            int length = h.getInt(12);
            if (ReplyFrame.crc(b, at, 24) == (h.getInt(24) & 0xffffffffL) && length >= 0
                    && end - at - ReplyFrame.HEADER_SIZE >= length
                    && ReplyFrame.crc(b, at + ReplyFrame.HEADER_SIZE, length) == (h.getInt(20) & 0xffffffffL)) {
                return at;
            }
        }
        return -1;
    }

    private static int indexOfMagic(byte[] b, int from, int end) {
        byte[] m = ReplyFrame.MAGIC;
        outer:
        for (int i = from; i <= end - m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                if (b[i + j] != m[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Bytes skipped so far because they were not part of a valid reply. */
    public long noiseBytes() {
        return noiseBytes;
    }

    /** Damaged replies seen so far (CRC, decoding), one line each; cleared by reading. */
    public List<String> takeProblems() {
        List<String> p = new ArrayList<>(problems);
        problems.clear();
        return p;
    }

    /** Null when nothing is half-read; else what a truncated reply got before the stream stopped. */
    public String pendingDescription() {
        int at = indexOfMagic(buf, 0, size);
        if (at < 0 || size - at < ReplyFrame.HEADER_SIZE) {
            return at < 0 ? null : "a reply header cut after " + (size - at) + " bytes";
        }
        ByteBuffer h = ByteBuffer.wrap(buf, at, ReplyFrame.HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        return "reply " + (h.getInt(8) & 0xffffffffL) + " cut after " + (size - at - ReplyFrame.HEADER_SIZE)
                + " of " + h.getInt(12) + " payload bytes";
    }
}
