package org.virtiotrace.core.wire;

import java.io.ByteArrayOutputStream;
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
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<String> problems = new ArrayList<>();
    private long noiseBytes;

    /** Feeds bytes; returns the replies they completed, in order. */
    public List<ReplyFrame> feed(byte[] data, int off, int len) {
        pending.write(data, off, len);
        List<ReplyFrame> out = new ArrayList<>();
        byte[] buf = pending.toByteArray();
        int pos = 0;
        while (true) {
            int start = indexOfMagic(buf, pos);
            if (start < 0) {
                // keep a tail that could be the start of a magic split across reads
                int keep = Math.min(ReplyFrame.MAGIC.length - 1, buf.length - pos);
                noiseBytes += buf.length - pos - keep;
                pos = buf.length - keep;
                break;
            }
            noiseBytes += start - pos;
            pos = start;
            if (buf.length - pos < ReplyFrame.HEADER_SIZE) {
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
            if (buf.length - pos - ReplyFrame.HEADER_SIZE < length) {
                // Still waiting for the payload; but if a whole, valid reply already sits inside
                // the awaited bytes, this one was cut short (the agent gave up on it).
                int inner = wholeReplyWithin(buf, pos + 1);
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
        pending.reset();
        pending.write(buf, pos, buf.length - pos);
        return out;
    }

    /** Where a complete reply with valid CRCs starts at or after {@code from}, or -1. */
    private static int wholeReplyWithin(byte[] b, int from) {
        for (int at = indexOfMagic(b, from); at >= 0; at = indexOfMagic(b, at + 1)) {
            if (b.length - at < ReplyFrame.HEADER_SIZE) {
                return -1;
            }
            ByteBuffer h = ByteBuffer.wrap(b, at, ReplyFrame.HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
            int length = h.getInt(12);
            if (ReplyFrame.crc(b, at, 24) == (h.getInt(24) & 0xffffffffL) && length >= 0
                    && b.length - at - ReplyFrame.HEADER_SIZE >= length
                    && ReplyFrame.crc(b, at + ReplyFrame.HEADER_SIZE, length) == (h.getInt(20) & 0xffffffffL)) {
                return at;
            }
        }
        return -1;
    }

    private static int indexOfMagic(byte[] b, int from) {
        byte[] m = ReplyFrame.MAGIC;
        outer:
        for (int i = from; i <= b.length - m.length; i++) {
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
        byte[] buf = pending.toByteArray();
        int at = indexOfMagic(buf, 0);
        if (at < 0 || buf.length - at < ReplyFrame.HEADER_SIZE) {
            return at < 0 ? null : "a reply header cut after " + (buf.length - at) + " bytes";
        }
        ByteBuffer h = ByteBuffer.wrap(buf, at, ReplyFrame.HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        return "reply " + (h.getInt(8) & 0xffffffffL) + " cut after " + (buf.length - at - ReplyFrame.HEADER_SIZE)
                + " of " + h.getInt(12) + " payload bytes";
    }
}
