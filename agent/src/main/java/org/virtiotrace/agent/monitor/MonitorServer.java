package org.virtiotrace.agent.monitor;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.virtiotrace.core.log.Log;

/**
 * The agent's local UNIX socket (JDK AF_UNIX channels), served by one thread that owns
 * it: `trace-agent status`, `ringbuf-read` and `ringbuf-dump` reach the running agent
 * here. The socket file is mode 0600 from the moment it has its name (bound under a
 * temporary name, chmod-ed, then renamed), and each peer's credentials are checked too:
 * only root and the agent's own user are served.
 */
public final class MonitorServer implements Runnable, AutoCloseable {
    public static final Path DEFAULT_SOCKET = Path.of("/run/trace-agent/agent.sock");
    /** Largest answer to one ringbuf-read: the client asks again for more; the heap stays small. */
    static final int READ_CHUNK = 1 << 20;
    private static final int ACCEPT_FAILURE_PAUSE_MS = 100;

    private final Path path;
    private final ServerSocketChannel server;
    private final Requests requests;
    private final String owner;
    private ByteBuffer readBuf;

    private MonitorServer(Path path, ServerSocketChannel server, Requests requests, String owner) {
        this.path = path;
        this.server = server;
        this.requests = requests;
        this.owner = owner;
    }

    public Path path() {
        return path;
    }

    /** Creates the socket, or says why not (another agent serves it, a directory cannot be made). */
    public static MonitorServer bind(Path path, Requests requests) throws MonitorException {
        Path dir = path.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new MonitorException(dir + ": cannot create the socket's directory: " + e);
        }
        if (Files.exists(path)) {
            if (MonitorClient.answers(path)) {
                throw new MonitorException(path + ": another trace-agent is serving this socket; stop it, or give "
                        + "this one its own --socket");
            }
            try {
                Files.deleteIfExists(path); // left by an agent that was killed
            } catch (IOException e) {
                throw new MonitorException(path + ": cannot remove the stale socket: " + e);
            }
        }
        Path temp = dir.resolve("." + path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        ServerSocketChannel ch = null;
        try {
            Files.deleteIfExists(temp);
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(temp));
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
            return new MonitorServer(path, ch, requests, Files.getOwner(path).getName());
        } catch (IOException e) {
            try {
                if (ch != null) {
                    ch.close();
                }
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the bind failure is what the user needs to hear about
            }
            throw new MonitorException(path + ": cannot create the agent's socket: " + e.getMessage());
        }
    }

    @Override
    public void run() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return; // close(): the agent is stopping
            } catch (IOException e) {
                Log.warn("%s: accept: %s", path, e.getMessage());
                try {
                    TimeUnit.MILLISECONDS.sleep(ACCEPT_FAILURE_PAUSE_MS); // e.g. EMFILE: never a spin
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            serve(c);
        }
    }

    private void serve(SocketChannel c) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Wire.TIMEOUT_MS);
        try (c; Selector sel = Selector.open()) {
            c.configureBlocking(false);
            UnixDomainPrincipal peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String user = peer.user().getName();
            if (!user.equals("root") && !user.equals(owner)) {
                Wire.writeAll(c, sel, Wire.denied(path + ": permission denied: only root and " + owner
                        + " may use the agent's socket"), deadline);
                return;
            }
            String line = Wire.readLine(c, sel, deadline);
            ByteBuffer[] answer;
            try {
                answer = answer(line.trim());
            } catch (MonitorException e) {
                answer = new ByteBuffer[] {Wire.error(e.getMessage())};
            }
            for (ByteBuffer b : answer) {
                Wire.writeAll(c, sel, b, deadline);
            }
        } catch (IOException e) {
            Log.debug("%s: a client went away: %s", path, e.getMessage());
        }
    }

    private ByteBuffer[] answer(String line) throws MonitorException {
        String[] words = line.split(" ", 2);
        switch (words[0]) {
            case "status" -> {
                return text(requests.status());
            }
            case "ringbuf-dump" -> {
                if (words.length < 2 || words[1].isBlank()) {
                    throw new MonitorException("ringbuf-dump needs a directory");
                }
                return text(requests.ringbufDump(Path.of(words[1].trim())));
            }
            case "ringbuf-read" -> {
                String[] args = words.length < 2 ? new String[0] : words[1].trim().split(" ");
                if (args.length != 2) {
                    throw new MonitorException("usage: ringbuf-read CPU SIZE");
                }
                int cpu;
                long size;
                try {
                    cpu = Integer.parseInt(args[0]);
                    size = Long.parseLong(args[1]);
                } catch (NumberFormatException e) {
                    throw new MonitorException("ringbuf-read: CPU and SIZE must be numbers");
                }
                if (size <= 0) {
                    throw new MonitorException("size must be greater than zero");
                }
                if (readBuf == null) {
                    readBuf = ByteBuffer.allocate(READ_CHUNK);
                }
                readBuf.clear().limit((int) Math.min(size, READ_CHUNK));
                requests.ringbufRead(cpu, readBuf);
                readBuf.flip();
                return new ByteBuffer[] {Wire.okHeader(readBuf.remaining()), readBuf};
            }
            default -> throw new MonitorException("unknown request '" + words[0]
                    + "' (expected status, ringbuf-read or ringbuf-dump)");
        }
    }

    private static ByteBuffer[] text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new ByteBuffer[] {Wire.okHeader(b.length), ByteBuffer.wrap(b)};
    }

    /** Stops serving and removes the socket file. Safe from any thread; the serving thread then ends. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Log.debug("%s: cannot remove: %s", path, e.getMessage());
        }
    }
}
