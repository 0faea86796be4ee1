package org.virtiotrace.host.attach;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A client of QEMU's machine protocol (QMP) on a monitor's unix socket: one JSON object per
 * line each way, as maps and lists. It reads the greeting, leaves capabilities negotiation, then
 * executes commands one at a time; events that arrive between replies are kept for
 * {@link #awaitEvent}. Every wait is bounded: QEMU serves one client per monitor, and a second
 * client is never greeted.
 */
public final class Qmp implements AutoCloseable {

    private final Path socket;
    private final SocketChannel channel;
    private final Selector selector;
    private final Duration replyWithin;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<Map<String, Object>> events = new ArrayList<>();
    private int nextId = 1;

    private Qmp(Path socket, SocketChannel channel, Selector selector, Duration replyWithin) {
        this.socket = socket;
        this.channel = channel;
        this.selector = selector;
        this.replyWithin = replyWithin;
    }

    /** Connects, reads the greeting and leaves negotiation; each reply is awaited {@code replyWithin}. */
    public static Qmp connect(Path socket, Duration replyWithin) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector sel = null;
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            Qmp q = new Qmp(socket, ch, sel, replyWithin);
            Map<String, Object> greeting = q.readMessage(System.nanoTime() + replyWithin.toNanos());
            if (greeting == null) {
                throw new IOException(socket + ": no QMP greeting within " + replyWithin.toMillis() + " ms (QEMU "
                        + "serves one client per monitor: is another one connected?)");
            }
            if (!greeting.containsKey("QMP")) {
                throw new IOException(socket + ": not a QMP monitor (its first message was " + greeting + ")");
            }
            q.execute("qmp_capabilities", null);
            return q;
        } catch (IOException | RuntimeException e) {
            if (sel != null) {
                sel.close();
            }
            ch.close();
            if (e instanceof java.net.SocketException || e instanceof java.nio.file.NoSuchFileException) {
                throw new IOException(socket + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    public Path socket() {
        return socket;
    }

    /**
     * Runs {@code command} with {@code arguments} (null: none); returns its "return" value (a
     * map, a list, or an empty map), or throws the error QEMU answered with.
     */
    public Object execute(String command, Map<String, ?> arguments) throws IOException {
        Map<String, Object> msg = new LinkedHashMap<>();
        int id = nextId++;
        msg.put("execute", command);
        if (arguments != null) {
            msg.put("arguments", arguments);
        }
        msg.put("id", id);
        write(msg);
        long deadline = System.nanoTime() + replyWithin.toNanos();
        while (true) {
            Map<String, Object> m = readMessage(deadline);
            if (m == null) {
                throw new IOException(socket + ": no answer to " + command + " within " + replyWithin.toMillis()
                        + " ms");
            }
            if (m.containsKey("event")) {
                events.add(m);
            } else if (Integer.valueOf(id).equals(m.get("id"))) {
                if (m.get("error") instanceof Map<?, ?> e) {
                    throw new QmpException(command, String.valueOf(e.get("class")), String.valueOf(e.get("desc")));
                }
                return m.get("return");
            }
        }
    }

    /** {@link #execute} of a command that returns a list (query-*, qom-list): its objects. */
    public List<Map<String, Object>> list(String command, Map<String, ?> arguments) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (execute(command, arguments) instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m) {
                    out.add(text(m));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> text(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /**
     * The first event named {@code name} whose data {@code matches}, seen since the last time
     * one was taken, waiting at most {@code within}; null if none came.
     */
    public Map<String, Object> awaitEvent(String name, Predicate<Map<?, ?>> matches, Duration within)
            throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            for (Iterator<Map<String, Object>> it = events.iterator(); it.hasNext();) {
                Map<String, Object> e = it.next();
                if (name.equals(e.get("event")) && e.get("data") instanceof Map<?, ?> data && matches.test(data)) {
                    it.remove();
                    return e;
                }
            }
            Map<String, Object> m = readMessage(deadline);
            if (m == null) {
                return null;
            }
            if (m.containsKey("event")) {
                events.add(m);
            }
        }
    }

    private void write(Map<String, Object> msg) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((JSON.std.asString(msg) + "\n").getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + replyWithin.toNanos();
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(socket + ": QEMU takes no commands (its socket stays full)");
                }
                try {
                    Thread.sleep(5); // a full socket buffer: QMP commands are a few hundred bytes
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted writing to " + socket);
                }
            }
        }
    }

    /** The next whole message, or null at the deadline. */
    private Map<String, Object> readMessage(long deadline) throws IOException {
        while (true) {
            Map<String, Object> m = takeLine();
            if (m != null) {
                return m;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException(socket + ": QEMU closed the monitor connection");
            }
            line.write(in.array(), 0, n);
        }
    }

    /** A message from the bytes read so far, if a whole line is there. */
    private Map<String, Object> takeLine() throws IOException {
        byte[] b = line.toByteArray();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                String text = new String(b, 0, i, StandardCharsets.UTF_8).trim();
                line.reset();
                line.write(b, i + 1, b.length - i - 1);
                if (text.isEmpty()) {
                    return takeLine();
                }
                try {
                    return JSON.std.mapFrom(text);
                } catch (IOException | RuntimeException e) {
                    throw new IOException(socket + ": not a QMP message: " + abbreviated(text), e);
                }
            }
        }
        return null;
    }

    private static String abbreviated(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
