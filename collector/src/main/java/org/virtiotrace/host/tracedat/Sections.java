package org.virtiotrace.host.tracedat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** The numbers and strings of a trace.dat header, in the file's byte order. */
final class Sections {
    private final ByteArrayOutputStream out;
    private final ByteBuffer scratch;

    Sections(ByteOrder order) {
        this(order, 1 << 20);
    }

    Sections(ByteOrder order, int initialSize) {
        out = new ByteArrayOutputStream(initialSize);
        scratch = ByteBuffer.allocate(8).order(order);
    }

    ByteOrder order() {
        return scratch.order();
    }

    /** Everything so far. */
    byte[] array() {
        return out.toByteArray();
    }

    Sections bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** A NUL-terminated string. */
    Sections string(String s) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        return this;
    }

    Sections u8(int v) {
        out.write(v);
        return this;
    }

    Sections u16(int v) {
        out.write(scratch.putShort(0, (short) v).array(), 0, 2);
        return this;
    }

    Sections u32(long v) {
        out.write(scratch.putInt(0, (int) v).array(), 0, 4);
        return this;
    }

    Sections u64(long v) {
        out.write(scratch.putLong(0, v).array(), 0, 8);
        return this;
    }

    long size() {
        return out.size();
    }

    /** Everything so far plus {@code padding} zero bytes, in the byte order, ready to patch and write. */
    ByteBuffer buffer(int padding) {
        byte[] all = java.util.Arrays.copyOf(out.toByteArray(), out.size() + padding);
        return ByteBuffer.wrap(all).order(scratch.order());
    }
}
