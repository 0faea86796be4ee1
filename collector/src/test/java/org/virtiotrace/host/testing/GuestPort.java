package org.virtiotrace.host.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.SystemCalls;
import org.virtiotrace.core.ports.PortNames;

/**
 * The guest's end of one port as QEMU presents it to the host, played by a test: a pipe
 * chardev's FIFO pair (NAME.in read, NAME.out written, both held open as QEMU holds them, so the
 * host never sees an end of file while the "guest" lives), or a socket chardev's unix socket
 * (listening on NAME, as QEMU's server=on). Non-blocking: reads return 0 when nothing is there.
 */
public abstract class GuestPort implements AutoCloseable {
    final String name;

    GuestPort(String name) {
        this.name = name;
    }

    /** What the host wrote, or 0; -1 once the host has gone (sockets only). */
    public abstract int read(ByteBuffer dst) throws IOException;

    /** Writes what the host side takes now; returns the bytes written (0: full, or no host yet). */
    public abstract int write(ByteBuffer src) throws IOException;

    /** The guest stops reading what the host writes: the host's next write fails (EPIPE). */
    public abstract void closeReadSide() throws IOException;

    /** The guest's side of the port goes away (QEMU exited, the port was unplugged). */
    @Override
    public abstract void close();

    /** The FIFO pair in {@code dir}, made when missing (0600). */
    public static GuestPort fifo(Path dir, String name) throws IOException {
        return new Fifo(dir, name);
    }

    /** A unix socket listening at {@code dir}/NAME. */
    public static GuestPort socket(Path dir, String name) throws IOException {
        return new Socket(dir.resolve(name), name);
    }

    private static final class Fifo extends GuestPort {
        private final Native nat = Native.get();
        private Fd in;
        private Fd out;

        Fifo(Path dir, String name) throws IOException {
            super(name);
            for (String end : new String[] {PortNames.HOST_WRITES, PortNames.HOST_READS}) {
                Path f = dir.resolve(name + end);
                if (!Files.exists(f)) {
                    SystemCalls.get().mkfifo(f.toString(), 0600);
                }
            }
            in = nat.open(dir.resolve(name + PortNames.HOST_WRITES).toString(), Native.Access.READ_WRITE);
            out = nat.open(dir.resolve(name + PortNames.HOST_READS).toString(), Native.Access.READ_WRITE);
            nat.setPipeSize(out, 1 << 20);
        }

        @Override
        public int read(ByteBuffer dst) throws NativeException {
            if (in == null) {
                return 0;
            }
            int n = nat.read(in, dst);
            return Math.max(n, 0);
        }

        @Override
        public int write(ByteBuffer src) throws NativeException {
            if (out == null) {
                throw NativeException.closed(name, "write");
            }
            int n = nat.write(out, src);
            return Math.max(n, 0);
        }

        @Override
        public void closeReadSide() {
            if (in != null) {
                in.close();
                in = null;
            }
        }

        @Override
        public void close() {
            closeReadSide();
            if (out != null) {
                out.close();
                out = null;
            }
        }
    }

    private static final class Socket extends GuestPort {
        private final ServerSocketChannel server;
        private final Path path;
        private SocketChannel peer;

        Socket(Path path, String name) throws IOException {
            super(name);
            this.path = path;
            Files.deleteIfExists(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            server.configureBlocking(false);
        }

        private boolean connected() throws IOException {
            if (peer == null && server.isOpen()) {
                peer = server.accept();
                if (peer != null) {
                    peer.configureBlocking(false);
                }
            }
            return peer != null;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (!connected()) {
                return 0;
            }
            int n = peer.read(dst);
            if (n < 0) {
                peer.close();
                peer = null; // the host went away; QEMU waits for the next one
                return 0;
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return connected() ? peer.write(src) : 0;
        }

        @Override
        public void closeReadSide() throws IOException {
            if (connected()) {
                peer.shutdownInput();
            }
        }

        @Override
        public void close() {
            try {
                if (peer != null) {
                    peer.close();
                }
                server.close();
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // closing
            }
        }
    }
}
