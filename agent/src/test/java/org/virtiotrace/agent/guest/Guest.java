package org.virtiotrace.agent.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.page.PageStream;
import org.virtiotrace.testkit.FifoPorts;

/**
 * A QEMU guest running the agent built by this build (src/test/qemu/run-guest.sh with
 * guest-agent.sh), and this test playing the host on the guest's pipe chardevs.
 */
final class Guest implements AutoCloseable {
    static final Path QEMU_DIR = Path.of("src/test/qemu").toAbsolutePath();
    static final int PAGE = 4096; // the guest kernel (6.1) has 4 KiB sub-buffers and no buffer_subbuf_size_kb

    final Path work;
    final int cpus;
    private final Process qemu;
    FifoPorts host;

    private Guest(Path work, int cpus, Process qemu) {
        this.work = work;
        this.cpus = cpus;
        this.qemu = qemu;
    }

    /** Boots a guest with {@code cpus} vCPUs and starts the agent in it with {@code agentArgs}. */
    static Guest boot(String name, int cpus, boolean udev, Map<String, String> guestEnv, String... agentArgs)
            throws IOException, InterruptedException {
        Path work = Path.of("target/guest-e2e").toAbsolutePath().resolve(name);
        if (Files.exists(work)) {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(work);
        StringBuilder env = new StringBuilder();
        guestEnv.forEach((k, v) -> env.append(k).append("='").append(v).append("'\n"));
        Files.writeString(work.resolve("guest-env"), env);
        List<String> cmd = new ArrayList<>(List.of(QEMU_DIR.resolve("run-guest.sh").toString(),
                "-c", Integer.toString(cpus), "-t", "240", "-w", work.toString()));
        if (!udev) {
            cmd.add("-U");
        }
        cmd.addAll(List.of("--", QEMU_DIR.resolve("guest-agent.sh").toString(), launcher()));
        cmd.addAll(List.of(agentArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("run-guest.log").toFile()).start();
        Guest g = new Guest(work, cpus, p);
        g.awaitFile("agent-ready", Duration.ofSeconds(120));
        g.host = FifoPorts.attachToGuest(Native.get(), work.resolve("fifo"),
                (Iterable<Integer>) IntStream.range(0, cpus)::iterator);
        return g;
    }

    /** The launcher next to the jar this build packaged. */
    static String launcher() {
        String jar = System.getProperty("agent.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("no agent jar (" + jar + "): run through mvn verify");
        }
        return Path.of(jar).resolveSibling("trace-agent").toString();
    }

    void awaitFile(String name, Duration timeout) throws InterruptedException, IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(work.resolve(name))) {
            if (!qemu.isAlive()) {
                throw new AssertionError("guest ended before " + name + ": " + log("run-guest.log")
                        + " | guest: " + log("guest.log") + " | agent: " + log("agent.log"));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + name + " from the guest within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** Tells the guest the host is done; waits for the agent's SIGTERM exit and the guest's power-off. */
    int finish() throws IOException, InterruptedException {
        Files.createFile(work.resolve("host-done"));
        if (!qemu.waitFor(120, TimeUnit.SECONDS)) {
            throw new AssertionError("guest did not power off: " + log("run-guest.log"));
        }
        host.drain(10);
        return qemu.exitValue();
    }

    String log(String file) throws IOException {
        Path p = work.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "(no " + file + ")";
    }

    /** cpuN -> "read events" or overrun, from stats-before / stats-after. */
    Map<Integer, long[]> stats(String file) throws IOException {
        Map<Integer, long[]> m = new HashMap<>();
        for (String line : Files.readAllLines(work.resolve(file))) {
            String[] f = line.trim().split("\\s+");
            m.put(Integer.parseInt(f[0].substring(3)), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        return m;
    }

    long readEventsDelta(int cpu) throws IOException {
        return stats("stats-after").get(cpu)[0] - stats("stats-before").get(cpu)[0];
    }

    long overrunDelta(int cpu) throws IOException {
        return stats("stats-after").get(cpu)[1] - stats("stats-before").get(cpu)[1];
    }

    PageStream received(int cpu) {
        return PageStream.of(host.received(cpu), PAGE);
    }

    void saveReceived() throws IOException {
        for (int c = 0; c < cpus; c++) {
            Files.write(work.resolve("cpu" + c + ".raw"), host.received(c));
        }
    }

    @Override
    public void close() throws IOException {
        if (host != null) {
            host.close();
        }
        if (qemu.isAlive()) {
            qemu.destroy();
        }
    }
}
