package org.virtiotrace.core.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One reply on agent-ctl-path, guest to host: a 28-byte header, then the payload. All
 * numbers little-endian whatever the guest's byte order (docs/control-protocol.md):
 *
 * <pre>
 *  0  4  magic "VTRP"
 *  4  1  protocol version (1)
 *  5  1  status: 0 ok, 1 error (the payload is a UTF-8 message)
 *  6  1  encoding: 0 none, 1 zlib (RFC 1950)
 *  7  1  reserved, 0
 *  8  4  the request's id
 * 12  4  payload length as sent
 * 16  4  payload length once decoded
 * 20  4  CRC-32 of the payload as sent
 * 24  4  CRC-32 of bytes 0..23
 * </pre>
 *
 * The header's own CRC lets a reader tell a reply from noise that happens to contain the
 * magic; the lengths and the payload CRC let it tell a truncated or damaged reply from a
 * whole one.
 */
public record ReplyFrame(int status, long requestId, byte[] payload) {
    public static final byte[] MAGIC = {'V', 'T', 'R', 'P'};
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 28;
    public static final int OK = 0;
    public static final int ERROR = 1;
    static final int IDENTITY = 0;
    static final int ZLIB = 1;
    /** Payloads from this size on are compressed (kallsyms shrinks about five-fold). */
    static final int COMPRESS_FROM = 4096;
    /** Payloads from this size on are compressed in two halves at once. */
    static final int PARALLEL_FROM = 1 << 20;
    /** A reader refuses larger payloads: a header that claims more is damaged. */
    public static final int MAX_PAYLOAD = 256 << 20;

    public static ReplyFrame ok(long requestId, byte[] payload) {
        return new ReplyFrame(OK, requestId, payload);
    }

    public static ReplyFrame error(long requestId, String message) {
        return new ReplyFrame(ERROR, requestId, message.getBytes(StandardCharsets.UTF_8));
    }

    public boolean isError() {
        return status == ERROR;
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The bytes to write: header and payload, compressed when that pays; one array, filled in place. */
    public byte[] encode() {
        byte[] frame = null;
        int bodyLength = payload.length;
        int encoding = IDENTITY;
        if (payload.length >= COMPRESS_FROM) {
            frame = deflateAfterHeader(payload);
            if (frame != null) {
                bodyLength = frame.length - HEADER_SIZE;
                encoding = ZLIB;
            }
        }
        if (frame == null) {
            frame = new byte[HEADER_SIZE + payload.length];
            System.arraycopy(payload, 0, frame, HEADER_SIZE, payload.length);
        }
        ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) VERSION).put((byte) status).put((byte) encoding).put((byte) 0);
        b.putInt((int) requestId).putInt(bodyLength).putInt(payload.length)
                .putInt((int) crc(frame, HEADER_SIZE, bodyLength));
        b.putInt((int) crc(frame, 0, 24));
        return frame;
    }

    static long crc(byte[] a, int off, int len) {
        CRC32 c = new CRC32();
        c.update(a, off, len);
        return c.getValue();
    }

    /**
     * {@code data} as one zlib stream (RFC 1950), after HEADER_SIZE free bytes; null when it
     * does not get smaller. Level 1: most of level 6's gain (kallsyms shrinks five-fold) for a
     * fraction of the time. A large payload is compressed in two halves at once, the way pigz
     * does it: the first half's raw deflate ends on a sync flush (byte-aligned, not final), the
     * second follows it, and the trailer is the Adler-32 of the whole, so any zlib reader
     * inflates it as one stream. In a TCG guest that halves the ~0.5 s kallsyms costs.
     */
    private static byte[] deflateAfterHeader(byte[] data) {
        int half = data.length >= PARALLEL_FROM ? data.length / 2 : data.length;
        CompletableFuture<byte[]> second = half == data.length ? null
                : CompletableFuture.supplyAsync(() -> rawDeflate(data, half, data.length - half, true), r -> {
                    Thread t = new Thread(r, "deflate");
                    t.setDaemon(true);
                    t.start();
                });
        byte[] first = rawDeflate(data, 0, half, second == null);
        byte[] rest = second == null ? new byte[0] : second.join();
        int n = HEADER_SIZE + 2 + first.length + rest.length + 4;
        if (n >= HEADER_SIZE + data.length) {
            return null;
        }
        byte[] out = new byte[n];
        out[HEADER_SIZE] = 0x78; // CMF: deflate, 32 KiB window
        out[HEADER_SIZE + 1] = 0x01; // FLG: fastest level, check bits so that CMF*256+FLG is a multiple of 31
        System.arraycopy(first, 0, out, HEADER_SIZE + 2, first.length);
        System.arraycopy(rest, 0, out, HEADER_SIZE + 2 + first.length, rest.length);
        Adler32 adler = new Adler32();
        adler.update(data);
        ByteBuffer.wrap(out, n - 4, 4).putInt((int) adler.getValue()); // big-endian, as RFC 1950 says
        return out;
    }

    /** Raw deflate of a slice; {@code last}: a final block, else a sync flush (the stream goes on). */
    private static byte[] rawDeflate(byte[] data, int off, int len, boolean last) {
        Deflater d = new Deflater(Deflater.BEST_SPEED, true);
        try {
            d.setInput(data, off, len);
            if (last) {
                d.finish();
            }
            byte[] out = new byte[len / 3 + 64]; // text shrinks four- to five-fold; grown if not
            int n = 0;
            while (true) {
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, out.length * 2);
                }
                int k = last ? d.deflate(out, n, out.length - n) : d.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
                n += k;
                if (last ? d.finished() : d.needsInput() && n < out.length) {
                    return java.util.Arrays.copyOf(out, n);
                }
            }
        } finally {
            d.end();
        }
    }

    static byte[] inflate(byte[] data, int decodedLength) throws DataFormatException {
        Inflater in = new Inflater();
        try {
            in.setInput(data);
            byte[] out = new byte[decodedLength];
            int n = 0;
            while (n < decodedLength && !in.finished()) {
                int k = in.inflate(out, n, decodedLength - n);
                if (k == 0 && (in.needsInput() || in.needsDictionary())) {
                    break;
                }
                n += k;
            }
            if (n != decodedLength || !in.finished()) {
                throw new DataFormatException("decoded " + n + " bytes, header says " + decodedLength);
            }
            return out;
        } finally {
            in.end();
        }
    }
}
