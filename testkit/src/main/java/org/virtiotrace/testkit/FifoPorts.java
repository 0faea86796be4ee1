package org.virtiotrace.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.PollEvents;
import org.virtiotrace.core.nativeio.SystemCalls;

/**
 * The host's side of the ports, played with FIFOs in a directory: trace-path-cpuN for
 * each CPU and agent-ctl-path. Like QEMU's pipe chardev, it opens the trace FIFOs
 * read-write, so the agent never sees a hangup, and writes orders into agent-ctl-path.
 */
public final class FifoPorts implements AutoCloseable {
    public static final String CTL = "agent-ctl-path";

    private final Native nat;
    private final Path dir;
    private final Map<Integer, Fd> ports = new LinkedHashMap<>();
    private final Map<Integer, ByteArrayOutputStream> received = new LinkedHashMap<>();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    private final byte[] copy = new byte[1 << 20];
    private final Path ctlPath;
    private final boolean owned;
    private final String portFormat;
    private Fd ctl;

    private FifoPorts(Native nat, Path dir, Path ctlPath, boolean owned, String portFormat) {
        this.nat = nat;
        this.portFormat = portFormat;
        this.dir = dir;
        this.ctlPath = ctlPath;
        this.owned = owned;
    }

    /** Makes the FIFOs in a new temporary directory and opens the host ends. */
    public static FifoPorts create(Native nat, Iterable<Integer> cpus, String portFormat) throws IOException {
        Path dir = Files.createTempDirectory("trace-agent-ports");
        FifoPorts p = new FifoPorts(nat, dir, dir.resolve(CTL), true, portFormat);
        try {
            for (int cpu : cpus) {
                String path = p.dir.resolve(String.format(portFormat, cpu)).toString();
                SystemCalls.get().mkfifo(path, 0600);
                p.ports.put(cpu, nat.open(path, Native.Access.READ_WRITE));
                p.received.put(cpu, new ByteArrayOutputStream());
            }
            SystemCalls.get().mkfifo(p.dir.resolve(CTL).toString(), 0600);
        } catch (IOException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /**
     * The host's ends of a QEMU guest's pipe chardevs: reads {@code NAME.out}, writes orders
     * to {@code agent-ctl-path.in}. QEMU holds both ends of every FIFO, so opening never blocks.
     */
    public static FifoPorts attachToGuest(Native nat, Path fifoDir, Iterable<Integer> cpus) throws IOException {
        FifoPorts p = new FifoPorts(nat, fifoDir, fifoDir.resolve(CTL + ".in"), false, "trace-path-cpu%d.out");
        try {
            for (int cpu : cpus) {
                p.ports.put(cpu, nat.open(p.portPath(cpu).toString(),
                        Native.Access.READ));
                p.received.put(cpu, new ByteArrayOutputStream());
            }
        } catch (IOException e) {
            p.close();
            throw e;
        }
        return p;
    }

    public Path dir() {
        return dir;
    }

    /** Takes CPU {@code cpu}'s port away (closed and removed): the agent finds it missing. */
    public void unplug(int cpu) throws IOException {
        Fd fd = ports.remove(cpu);
        if (fd != null) {
            fd.close();
        }
        Files.deleteIfExists(portPath(cpu));
    }

    /** Adds CPU {@code cpu}'s port (again), as a hot-plugged virtserialport appears; what it received is kept. */
    public void plug(int cpu) throws IOException {
        String path = portPath(cpu).toString();
        SystemCalls.get().mkfifo(path, 0600);
        ports.put(cpu, nat.open(path, Native.Access.READ_WRITE));
        received.computeIfAbsent(cpu, c -> new ByteArrayOutputStream());
    }

    private Path portPath(int cpu) {
        return dir.resolve(String.format(portFormat, cpu));
    }

    public Path ctlPath() {
        return ctlPath;
    }

    /**
     * Writes an order the way {@code echo 1 > agent-ctl-path.in} reaches the guest. The
     * write end stays open between orders unless {@link #hangUpControl()} closes it.
     */
    public void send(String text) throws IOException {
        if (ctl == null) {
            ctl = nat.open(ctlPath().toString(), Native.Access.WRITE);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(text.length());
        b.put(text.getBytes(StandardCharsets.ISO_8859_1)).flip();
        while (b.hasRemaining()) {
            if (nat.write(ctl, b) == Native.WOULD_BLOCK) {
                nat.poll(ctl, PollEvents.OUT, null, 0, 100);
            }
        }
    }

    /** Closes the host's end of the control port: the agent sees end of file. */
    public void hangUpControl() {
        if (ctl != null) {
            ctl.close();
            ctl = null;
        }
    }

    /** Reads whatever the ports hold now, waiting up to {@code timeoutMs} for the first byte. Returns bytes read. */
    public long drain(int timeoutMs) throws NativeException {
        long total = 0;
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        do {
            for (var e : ports.entrySet()) {
                total += readAll(e.getValue(), received.get(e.getKey()));
            }
            if (total > 0) {
                return total;
            }
            sleepMs(2);
        } while (System.nanoTime() < deadline);
        return total;
    }

    /** Drains until no byte arrived for {@code quietMs}. */
    public long drainUntilQuiet(int quietMs, int maxMs) throws NativeException {
        long total = 0;
        long end = System.nanoTime() + maxMs * 1_000_000L;
        while (System.nanoTime() < end) {
            long n = drain(quietMs);
            if (n == 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private long readAll(Fd fd, ByteArrayOutputStream into) throws NativeException {
        long total = 0;
        while (true) {
            buf.clear();
            int n = nat.read(fd, buf);
            if (n <= 0) {
                return total;
            }
            buf.flip();
            buf.get(copy, 0, n);
            into.write(copy, 0, n);
            total += n;
        }
    }

    /** Forgets what the ports received so far (an earlier session's bytes). */
    public void forget() {
        received.values().forEach(ByteArrayOutputStream::reset);
    }

    public byte[] received(int cpu) {
        return received.get(cpu).toByteArray();
    }

    public Iterable<Integer> cpus() {
        return ports.keySet();
    }

    private static void sleepMs(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        hangUpControl();
        ports.values().forEach(Fd::close);
        if (!owned) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
