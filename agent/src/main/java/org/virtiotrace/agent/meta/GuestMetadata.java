package org.virtiotrace.agent.meta;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.virtiotrace.agent.cpu.CpuList;
import org.virtiotrace.agent.tracefs.Tracefs;

/**
 * What a host needs, besides the pages, to decode this guest's trace: read from tracefs and
 * /proc on demand (the answers to {@code ?hello}, {@code ?meta} and {@code ?update}, and
 * what {@code trace-agent export-meta} writes). Read fresh each time: events, modules and
 * comm names change while the guest runs.
 */
public final class GuestMetadata {
    public static final String INFO = "virtio-trace.info";
    public static final String KALLSYMS = "kallsyms";
    static final Path PROC_KALLSYMS = Path.of("/proc/kallsyms");
    static final Path PROC_KERNEL = Path.of("/proc/sys/kernel");

    private final Tracefs tracefs;
    private final CpuList cpus;
    private final int subBufferSize;

    public GuestMetadata(Tracefs tracefs, CpuList cpus, int subBufferSize) {
        this.tracefs = tracefs;
        this.cpus = cpus;
        this.subBufferSize = subBufferSize;
    }

    /** The handshake: one {@code key=value} per line (see docs/control-protocol.md). */
    public String hello() throws IOException {
        Path mount = tracefs.mount();
        StringBuilder b = new StringBuilder();
        line(b, "protocol", Integer.toString(org.virtiotrace.agent.control.ReplyFrame.VERSION));
        line(b, "agent", agentVersion());
        line(b, "cpus", cpus.toString());
        line(b, "subbuf-size", Integer.toString(subBufferSize));
        line(b, "trace-clock", currentClock(new String(read(tracefs.dir().resolve("trace_clock")), StandardCharsets.UTF_8)));
        line(b, "kernel-release", proc("osrelease"));
        line(b, "uname", uname());
        line(b, "endian", ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? "little" : "big");
        line(b, "long-size", Integer.toString(longSize(new String(read(mount.resolve("events/header_page")), StandardCharsets.UTF_8))));
        line(b, "tracefs", mount.toString());
        if (!tracefs.dir().equals(mount)) {
            line(b, "instance", tracefs.dir().getFileName().toString());
        }
        return b.toString();
    }

    /** Everything trace-cmd needs to decode the pages, and the handshake as {@value #INFO}. */
    public FileSet meta() throws IOException {
        Path mount = tracefs.mount();
        FileSet set = new FileSet();
        set.put(INFO, hello().getBytes(StandardCharsets.UTF_8));
        set.put("events/header_page", read(mount.resolve("events/header_page")));
        set.put("events/header_event", read(mount.resolve("events/header_event")));
        for (Path format : eventFormats(mount.resolve("events"))) {
            set.put(mount.relativize(format).toString(), read(format));
        }
        set.put("printk_formats", readOrEmpty(mount.resolve("printk_formats")));
        set.put(KALLSYMS, readOrEmpty(PROC_KALLSYMS));
        set.putAll(update());
        return set;
    }

    /** What changes while tracing: comm names, tgids, the clock and each CPU's counters. */
    public FileSet update() throws IOException {
        Path mount = tracefs.mount();
        FileSet set = new FileSet();
        set.put("saved_cmdlines", readOrEmpty(mount.resolve("saved_cmdlines")));
        set.put("saved_tgids", readOrEmpty(mount.resolve("saved_tgids")));
        set.put("trace_clock", read(tracefs.dir().resolve("trace_clock")));
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            set.put("per_cpu/cpu" + cpu + "/stats", read(tracefs.statsFile(cpu)));
        }
        return set;
    }

    /** events/SYSTEM/EVENT/format, systems and events in name order. */
    private static List<Path> eventFormats(Path events) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path system : sortedDirs(events)) {
            for (Path event : sortedDirs(system)) {
                Path f = event.resolve("format");
                if (Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    private static List<Path> sortedDirs(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            s.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /**
     * The whole file. Not Files.readAllBytes: tracefs reports size 0, so that reads one byte
     * first, and files like events/header_page answer a read at a non-zero offset with end of
     * file: they must be read in one call with room for all of it.
     */
    static byte[] read(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readAllBytes();
        }
    }

    private static byte[] readOrEmpty(Path p) throws IOException {
        try {
            return read(p);
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
    }

    /** "[local] global counter" -> "local". */
    public static String currentClock(String traceClock) {
        int open = traceClock.indexOf('[');
        int close = traceClock.indexOf(']', open + 1);
        return open >= 0 && close > open ? traceClock.substring(open + 1, close) : traceClock.trim();
    }

    /** sizeof(long) in the kernel: the size of header_page's "commit" field (a local_t). */
    static int longSize(String headerPage) {
        for (String l : headerPage.split("\n")) {
            if (l.contains(" commit;")) {
                int i = l.indexOf("size:");
                return Integer.parseInt(l.substring(i + 5, l.indexOf(';', i)).trim());
            }
        }
        return 8;
    }

    private static String proc(String name) throws IOException {
        return Files.readString(PROC_KERNEL.resolve(name)).trim();
    }

    /** What uname -a's first five fields say: trace-cmd's UNAME option. */
    private static String uname() throws IOException {
        String arch = System.getProperty("os.arch");
        String machine = arch.equals("amd64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch;
        return proc("ostype") + " " + proc("hostname") + " " + proc("osrelease") + " " + proc("version") + " " + machine;
    }

    private static String agentVersion() {
        Properties p = new Properties();
        try (InputStream in = GuestMetadata.class.getResourceAsStream("/org/virtiotrace/agent/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the version is informative only
        }
        return p.getProperty("version", "unknown");
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(key).append('=').append(value.replace('\n', ' ')).append('\n');
    }

    /** Parses a {@code key=value} text (the handshake, {@value #INFO}). */
    public static Properties parseInfo(String text) {
        Properties p = new Properties();
        for (String l : text.split("\n")) {
            int eq = l.indexOf('=');
            if (eq > 0) {
                p.setProperty(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
            }
        }
        return p;
    }
}
