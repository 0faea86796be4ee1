package org.virtiotrace.agent.control;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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

    /** The bytes to write: header and payload, compressed when that pays. */
    public byte[] encode() {
        byte[] body = payload;
        int encoding = IDENTITY;
        if (payload.length >= COMPRESS_FROM) {
            byte[] z = deflate(payload);
            if (z.length < payload.length) {
                body = z;
                encoding = ZLIB;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) VERSION).put((byte) status).put((byte) encoding).put((byte) 0);
        b.putInt((int) requestId).putInt(body.length).putInt(payload.length).putInt((int) crc(body, 0, body.length));
        b.putInt((int) crc(b.array(), 0, 24));
        b.put(body);
        return b.array();
    }

    static long crc(byte[] a, int off, int len) {
        CRC32 c = new CRC32();
        c.update(a, off, len);
        return c.getValue();
    }

    private static byte[] deflate(byte[] data) {
        // Level 1: kallsyms (5 MB) compresses in ~50 ms here, and most of the gain of level 6.
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
            byte[] chunk = new byte[64 << 10];
            while (!d.finished()) {
                out.write(chunk, 0, d.deflate(chunk));
            }
            return out.toByteArray();
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
