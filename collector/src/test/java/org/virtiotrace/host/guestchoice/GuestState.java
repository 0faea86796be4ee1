package org.virtiotrace.host.guestchoice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * What "the guest left as found" means, as files: the agent's buffer's settings, the top-level
 * buffer's, and the instance list; and small helpers for the tests that check it.
 */
record GuestState(Map<String, String> files, Set<String> instances) {
    static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    static final String HEARTBEAT = "raw_data";
    private static final String[] FILES = {"set_event", "current_tracer", "buffer_size_kb", "trace_clock",
        "tracing_on", "trace_options", "set_ftrace_filter"};
    private static final Pattern NAME = Pattern.compile("\\s*\\S.*\\[\\d{3,}\\]\\s+\\d+\\.\\d+:\\s+([a-z_0-9]+):.*");

    /** The settings of {@code buffer} and of the top-level buffer, and which instances exist. */
    static GuestState of(Path buffer) throws IOException {
        Map<String, String> f = new TreeMap<>();
        for (Path dir : new Path[] {buffer, TRACEFS}) {
            for (String name : FILES) {
                f.put(dir.getFileName() + "/" + name, read(dir.resolve(name)));
            }
        }
        Set<String> inst = new TreeSet<>();
        try (Stream<Path> s = Files.list(TRACEFS.resolve("instances"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("virtio-trace-")).forEach(inst::add);
        }
        return new GuestState(f, inst);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "unreadable: " + e.getClass().getSimpleName(); // set_ftrace_filter where ftrace is locked
        }
    }

    /** The sum of "read events" in a --raw directory's per_cpu/cpuN/stats (the final ?update). */
    static long readEvents(Path raw, int cpus) throws IOException {
        long n = 0;
        for (int c = 0; c < cpus; c++) {
            for (String l : Files.readAllLines(raw.resolve("per_cpu/cpu" + c + "/stats"))) {
                if (l.startsWith("read events:")) {
                    n += Long.parseLong(l.substring("read events:".length()).trim());
                }
            }
        }
        return n;
    }

    /** Event names in a report, as a mutable set. */
    static Set<String> eventNames(TraceCmd.Run r) {
        Set<String> names = new TreeSet<>();
        for (String l : r.out()) {
            Matcher m = NAME.matcher(l);
            if (m.matches()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Runs the commands over and over, on a thread, while {@code rec} runs. */
    static void spawnWhile(Proc rec, String... commands) {
        Thread t = new Thread(() -> {
            try {
                while (rec.isAlive()) {
                    for (String c : commands) {
                        new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start().waitFor();
                    }
                    Thread.sleep(20);
                }
            } catch (IOException | InterruptedException e) {
                // the test is over
            }
        }, "spawn");
        t.setDaemon(true);
        t.start();
    }

    /** A tracer the top-level buffer offers and {@code instance} does not (blk here), or null. */
    static String topLevelOnlyTracer(Path instance) throws IOException {
        Set<String> inInstance = Set.of(Files.readString(instance.resolve("available_tracers")).trim().split("\\s+"));
        for (String t : Files.readString(TRACEFS.resolve("available_tracers")).trim().split("\\s+")) {
            if (!inInstance.contains(t)) {
                return t;
            }
        }
        return null;
    }

    /** The top-level buffer's tracer once it is {@code tracer} (while {@code rec} runs), or what it was at the end. */
    static String awaitTopLevelTracer(Proc rec, String tracer) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String now = "";
        while (System.nanoTime() < end && rec.isAlive()) {
            now = Files.readString(TRACEFS.resolve("current_tracer")).trim();
            if (now.equals(tracer)) {
                return now;
            }
            Thread.sleep(10);
        }
        return now;
    }

    /** The instance the agent made for a recording, once it exists (while {@code rec} runs). */
    static Path awaitAgentInstance(Proc rec) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end && rec.isAlive()) {
            try (Stream<Path> s = Files.list(TRACEFS.resolve("instances"))) {
                var found = s.filter(p -> p.getFileName().toString().startsWith("virtio-trace-agent-")).findFirst();
                if (found.isPresent() && Files.exists(found.get().resolve("trace_clock"))) {
                    Thread.sleep(200); // set up before the handshake's reply; give the settings time to be read
                    return found.get();
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no virtio-trace-agent-* instance appeared: " + rec.stderr());
    }
}
