package org.virtiotrace.core.tracefs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A private trace instance (tracefs/instances/NAME): its own ring buffers, events and
 * counters, so a demo or a test never disturbs the system's trace or another user's.
 */
public final class TraceInstance implements AutoCloseable {
    private final Tracefs tracefs;
    private final String name;

    private TraceInstance(Tracefs tracefs, String name) {
        this.tracefs = tracefs;
        this.name = name;
    }

    /** mkdir instances/NAME; the kernel fills it in. */
    public static TraceInstance create(Path mount, String name) throws IOException {
        Path dir = mount.resolve("instances").resolve(name);
        Files.createDirectory(dir);
        return new TraceInstance(new Tracefs(mount, dir), name);
    }

    public String name() {
        return name;
    }

    public Tracefs tracefs() {
        return tracefs;
    }

    public Path dir() {
        return tracefs.dir();
    }

    public void write(String file, String value) throws IOException {
        Files.writeString(dir().resolve(file), value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Enables an event group or event, like "sched" or "sched/sched_switch". */
    public void enableEvents(String event) throws IOException {
        write("events/" + event + "/enable", "1");
    }

    public void bufferSizeKb(int kb) throws IOException {
        write("buffer_size_kb", Integer.toString(kb));
    }

    /** One ftrace:print event on the calling thread's CPU. */
    public void mark(String text) throws IOException {
        Files.write(dir().resolve("trace_marker"), text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
    }

    public CpuStats stats(int cpu) throws IOException {
        return tracefs.stats(cpu);
    }

    /** Turns tracing off and removes the instance (the kernel refuses while a file in it is open). */
    @Override
    public void close() throws IOException {
        try {
            write("tracing_on", "0");
            write("events/enable", "0");
        } catch (IOException e) {
            // removal below is what matters
        }
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                Files.delete(dir());
                return;
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IOException("cannot remove trace instance " + dir() + ": " + last.getMessage(), last);
    }
}
