package org.virtiotrace.host.link;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A port as QEMU's socket chardev (libvirt's {@code <channel type='unix'>}) exposes it: one
 * unix stream socket carrying both directions, QEMU listening, the host connecting.
 */
public final class SocketLink implements PortLink {
    private final Path path;
    private final SocketChannel ch;
    private final Selector selector;
    private final SelectionKey key;

    private SocketLink(Path path, SocketChannel ch, Selector selector, SelectionKey key) {
        this.path = path;
        this.ch = ch;
        this.selector = selector;
        this.key = key;
    }

    public static SocketLink connect(Path path) throws IOException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            throw named(path, "connect", e);
        }
        try {
            ch.configureBlocking(false);
            Selector sel = Selector.open();
            return new SocketLink(path, ch, sel, ch.register(sel, SelectionKey.OP_READ));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public int read(ByteBuffer dst, int timeoutMs) throws IOException {
        try {
            int n = ch.read(dst);
            if (n != 0) {
                return n;
            }
            key.interestOps(SelectionKey.OP_READ);
            selector.select(Math.max(1, timeoutMs));
            selector.selectedKeys().clear();
            return ch.read(dst);
        } catch (IOException e) {
            throw named(path, "read", e);
        }
    }

    /**
     * The JDK's socket errors say only "Broken pipe" or "Connection reset by peer": the one line
     * the user reads must name the socket and what was being done with it.
     */
    private static IOException named(Path path, String op, IOException e) {
        String why = e instanceof ClosedChannelException ? "the socket is closed"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException(path + ": " + op + ": " + why, e);
    }

    @Override
    public void write(ByteBuffer src, int timeoutMs) throws IOException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (src.hasRemaining()) {
            int n;
            try {
                n = ch.write(src);
            } catch (IOException e) {
                throw named(path, "write", e);
            }
            if (n == 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new IOException(path + ": the guest takes nothing (waited " + timeoutMs + " ms)");
                }
                key.interestOps(SelectionKey.OP_WRITE);
                selector.select(left);
                selector.selectedKeys().clear();
                key.interestOps(SelectionKey.OP_READ);
            }
        }
    }

    @Override
    public void wake() {
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            selector.close();
            ch.close();
        } catch (IOException e) {
            // closing: nothing left to lose
        }
    }
}
