package org.virtiotrace.host.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One throw-away QEMU guest (the agent module's src/test/qemu/run-guest.sh running
 * guest-agent.sh) with the agent, or the C agent's stand-in, started inside it; this test
 * plays the host by running the real {@code virtio-trace} command on the guest's ports.
 * Host and guest talk through files in the shared work directory (see guest-agent.sh).
 */
final class GuestRun implements AutoCloseable {
    /** The agent module's guest scripts, from the collector module's directory. */
    static final Path QEMU_DIR = Path.of("../agent/src/test/qemu").toAbsolutePath().normalize();
    static final int CPUS = 2;
    static final int PAGE = 4096; // the guest kernel (6.1) has 4 KiB sub-buffers

    final Path work;
    private final Process guest;

    private GuestRun(Path work, Process guest) {
        this.work = work;
        this.guest = guest;
    }

    /**
     * Boots a {@link #CPUS}-vCPU guest whose ports are FIFO pairs in WORK/fifo, or with
     * {@code sockets} unix sockets in WORK/sock, and waits until its agent is ready.
     */
    static GuestRun boot(String name, boolean sockets, Map<String, String> guestEnv, Duration readyWithin)
            throws IOException, InterruptedException {
        Path work = Path.of("target/guest-record").toAbsolutePath().resolve(name);
        if (sockets && work.resolve("sock/trace-path-cpu" + (CPUS - 1)).toString().length() > 107) {
            throw new IllegalStateException(work + ": too long for a unix socket path (108 bytes at most)");
        }
        if (Files.exists(work)) {
            try (var s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(work);
        StringBuilder env = new StringBuilder();
        guestEnv.forEach((k, v) -> env.append(k).append("='").append(v).append("'\n"));
        Files.writeString(work.resolve("guest-env"), env);
        List<String> cmd = new ArrayList<>(List.of(QEMU_DIR.resolve("run-guest.sh").toString(),
                "-c", Integer.toString(CPUS), "-t", "300", "-w", work.toString()));
        if (sockets) {
            cmd.add("-S");
        }
        cmd.addAll(List.of("--", QEMU_DIR.resolve("guest-agent.sh").toString(), launcher("agent.launcher")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("run-guest.log").toFile()).start();
        GuestRun g = new GuestRun(work, p);
        try {
            g.awaitFile("agent-ready", readyWithin);
        } catch (AssertionError | IOException | InterruptedException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** A launcher the build made, from the system property failsafe sets. */
    static String launcher(String property) {
        String path = System.getProperty(property);
        if (path == null || !Files.isExecutable(Path.of(path))) {
            throw new IllegalStateException("no " + property + " (" + path + "): run through mvn verify");
        }
        return path;
    }

    /** What one {@code virtio-trace} run left: its exit status and its stderr. */
    record Recording(int exit, String stderr, long millis) {
        List<String> lines() {
            return stderr.lines().toList();
        }
    }

    /** Starts {@code virtio-trace ARGS...}, stderr to WORK/record.err. */
    Process startCollector(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher("collector.launcher")));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(work.resolve("record.out").toFile())
                .redirectError(work.resolve("record.err").toFile()).start();
    }

    /** Waits for a {@link #startCollector} run (at most 5 minutes). */
    Recording awaitCollector(Process p, long startedNanos) throws IOException, InterruptedException {
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("virtio-trace did not end within 300 s: " + log("record.err") + all());
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        return new Recording(p.exitValue(), log("record.err"), ms);
    }

    /** Runs {@code virtio-trace ARGS...} to its end. */
    Recording collect(String... args) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        return awaitCollector(startCollector(args), t0);
    }

    void touch(String name) throws IOException {
        Files.write(work.resolve(name), new byte[0]);
    }

    boolean contains(String file, String text) throws IOException {
        Path p = work.resolve(file);
        return Files.exists(p) && Files.readString(p).contains(text);
    }

    void awaitFile(String name, Duration timeout) throws InterruptedException, IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(work.resolve(name))) {
            if (!guest.isAlive()) {
                throw new AssertionError("guest ended before " + name + all());
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + name + " from the guest within " + timeout + all());
            }
            Thread.sleep(50);
        }
    }

    /** Tells the guest the host is done; waits for its power-off; returns run-guest.sh's status. */
    int finish() throws IOException, InterruptedException {
        touch("host-done");
        if (!guest.waitFor(120, TimeUnit.SECONDS)) {
            throw new AssertionError("guest did not power off" + all());
        }
        return guest.exitValue();
    }

    String log(String file) throws IOException {
        Path p = work.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "(no " + file + ")";
    }

    /** Everything that helps when an assertion fails. */
    String all() throws IOException {
        return "\nvirtio-trace:\n" + log("record.err") + "\nagent log:\n" + log("agent.log") + "\nguest:\n"
                + log("guest.log") + "\nrun-guest:\n" + log("run-guest.log");
    }

    /** The guest kernel's "read events" of every CPU between stats-before and stats-after. */
    long readEventsDelta() throws IOException {
        Map<String, Long> before = readEvents("stats-before");
        long sum = 0;
        for (var e : readEvents("stats-after").entrySet()) {
            sum += e.getValue() - before.get(e.getKey());
        }
        return sum;
    }

    private Map<String, Long> readEvents(String file) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (String line : Files.readAllLines(work.resolve(file))) {
            String[] f = line.trim().split("\\s+");
            m.put(f[0], Long.parseLong(f[1]));
        }
        return m;
    }

    @Override
    public void close() {
        if (guest.isAlive()) {
            guest.descendants().forEach(ProcessHandle::destroy); // timeout and qemu under run-guest.sh
            guest.destroy();
        }
    }
}
