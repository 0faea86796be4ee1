package org.virtiotrace.agent.monitor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The socket's protocol, one request per connection: a request line ("status",
 * "ringbuf-read CPU SIZE", "ringbuf-dump DIR"), then the answer "ok LENGTH\n" and LENGTH
 * bytes, "error MESSAGE\n" (the request was refused), or "denied MESSAGE\n" (the peer
 * may not use the socket). Every read and write has a deadline, so a client that
 * connects and says nothing (or never reads) cannot hold the agent's socket thread.
 */
final class Wire {
    static final int MAX_LINE = 4096;
    static final long TIMEOUT_MS = 5_000;

    private Wire() {
    }

    /** Reads one line (without the newline) from a non-blocking channel, within the deadline. */
    static String readLine(SocketChannel ch, Selector sel, long deadlineNanos) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_LINE);
        while (true) {
            for (int i = 0; i < buf.position(); i++) {
                if (buf.get(i) == '\n') {
                    return new String(buf.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
            if (!buf.hasRemaining()) {
                throw new IOException("request longer than " + MAX_LINE + " bytes");
            }
            int n = ch.read(buf);
            if (n < 0) {
                throw new IOException("connection closed before a whole line");
            }
            if (n == 0) {
                await(ch, sel, SelectionKey.OP_READ, deadlineNanos);
            }
        }
    }

    /** Writes all of {@code buf} to a non-blocking channel, within the deadline. */
    static void writeAll(SocketChannel ch, Selector sel, ByteBuffer buf, long deadlineNanos) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.write(buf) == 0) {
                await(ch, sel, SelectionKey.OP_WRITE, deadlineNanos);
            }
        }
    }

    private static void await(SocketChannel ch, Selector sel, int op, long deadlineNanos) throws IOException {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new IOException("client too slow (" + TIMEOUT_MS + " ms)");
        }
        SelectionKey key = ch.keyFor(sel);
        if (key == null) {
            key = ch.register(sel, op);
        } else {
            key.interestOps(op);
        }
        sel.select(left);
        sel.selectedKeys().clear();
    }

    static ByteBuffer okHeader(long length) {
        return ascii("ok " + length + "\n");
    }

    static ByteBuffer error(String message) {
        return ascii("error " + message.replace('\n', ' ') + "\n");
    }

    /** The answer to a peer that may not use the socket at all. */
    static ByteBuffer denied(String message) {
        return ascii("denied " + message.replace('\n', ' ') + "\n");
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
