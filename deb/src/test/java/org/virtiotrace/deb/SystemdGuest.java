package org.virtiotrace.deb;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.testkit.FifoPorts;

/**
 * A QEMU guest booting systemd (PID 1, udev) from a Debian 12 root with this build's
 * package installed (deb/src/test/qemu/systemd-guest.sh), with the README's virtio-serial
 * ports on host FIFOs. Commands run in the guest through files in the shared directory
 * (the guest's vta-exec.service); ports are hot-(un)plugged through QMP.
 */
final class SystemdGuest implements AutoCloseable {
    static final int PAGE = 4096; // the guest kernel (6.1) has 4 KiB sub-buffers

    /** What a guest command printed (stdout and stderr) and its exit status. */
    record Result(int rc, String out) {
    }

    final Path work;
    final int cpus;
    private final Process qemu;
    private final AtomicInteger seq = new AtomicInteger();
    FifoPorts host;

    private SystemdGuest(Path work, int cpus, Process qemu) {
        this.work = work;
        this.cpus = cpus;
        this.qemu = qemu;
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    }

    static Path script() {
        return repoRoot().resolve("deb/src/test/qemu/systemd-guest.sh");
    }

    /** Builds the guest root if needed (cached), boots it and waits until it runs commands. */
    static SystemdGuest boot(String name, int cpus) throws IOException, InterruptedException {
        Path work = repoRoot().resolve("deb/target/systemd-guest").resolve(name);
        if (Files.exists(work)) {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(work);
        Process p = new ProcessBuilder("bash", script().toString(), "boot", "-w", work.toString(),
                "-c", Integer.toString(cpus), "-t", "900")
                .redirectErrorStream(true).redirectOutput(work.resolve("boot.log").toFile()).start();
        SystemdGuest g = new SystemdGuest(work, cpus, p);
        try {
            // the first run builds the guest root (~10 s; the Debian rootfs tarball, if missing,
            // takes minutes more); then TCG boots systemd to vta-exec.service in ~15-25 s
            g.awaitFile("share/exec-ready", Duration.ofSeconds(600));
            g.host = FifoPorts.attachToGuest(Native.get(), work.resolve("fifo"),
                    (Iterable<Integer>) IntStream.range(0, cpus)::iterator);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            g.close();
            throw e;
        }
        return g;
    }

    private void awaitFile(String name, Duration timeout) throws InterruptedException, IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(work.resolve(name))) {
            if (!qemu.isAlive()) {
                throw new AssertionError("guest ended before " + name + ": " + log("boot.log") + "\n"
                        + log("qemu.log") + "\nconsole:\n" + tail("console.log", 40));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + name + " from the guest within " + timeout + "; console:\n"
                        + tail("console.log", 40));
            }
            Thread.sleep(100);
        }
    }

    /** Runs {@code command} with bash as root in the guest. */
    Result exec(String command, Duration timeout) throws IOException, InterruptedException {
        Path dir = work.resolve("share/cmd");
        String n = String.format("j%06d", seq.incrementAndGet());
        Path part = dir.resolve(n + ".sh.part");
        Files.writeString(part, command + "\n");
        Files.move(part, dir.resolve(n + ".sh"), StandardCopyOption.ATOMIC_MOVE);
        Path rc = dir.resolve(n + ".rc");
        long end = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(rc)) {
            if (!qemu.isAlive()) {
                throw new AssertionError("guest ended while running `" + command + "`; console:\n"
                        + tail("console.log", 40));
            }
            if (System.nanoTime() > end) {
                Files.deleteIfExists(dir.resolve(n + ".sh"));
                throw new AssertionError("`" + command + "` gave no answer within " + timeout);
            }
            Thread.sleep(50);
        }
        Result r = new Result(Integer.parseInt(Files.readString(rc).trim()),
                Files.readString(dir.resolve(n + ".out")));
        Files.deleteIfExists(rc);
        Files.deleteIfExists(dir.resolve(n + ".out"));
        return r;
    }

    Result exec(String command) throws IOException, InterruptedException {
        return exec(command, Duration.ofSeconds(60));
    }

    /** Runs a command in the guest; fails the test with its output unless it exits 0. */
    String sh(String command) throws IOException, InterruptedException {
        Result r = exec(command);
        if (r.rc() != 0) {
            throw new AssertionError("`" + command + "` exited " + r.rc() + " in the guest:\n" + r.out());
        }
        return r.out();
    }

    /** `systemctl show` properties of a unit (trace-agent.service unless named). */
    Map<String, String> unit(String unit, String... props) throws IOException, InterruptedException {
        String out = sh("systemctl show '" + unit + "' -p " + String.join(",", props));
        return out.lines().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
                        (a, b) -> b));
    }

    Map<String, String> agentUnit(String... props) throws IOException, InterruptedException {
        return unit("trace-agent.service", props);
    }

    /**
     * Polls trace-agent.service until ActiveState/SubState are as given (draining the host's
     * ports meanwhile); returns the last ActiveState, SubState, StatusText, MainPID seen.
     */
    Map<String, String> awaitAgent(String active, String sub, Duration timeout) throws IOException,
            InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, String> u = agentUnit("ActiveState", "SubState", "StatusText", "MainPID", "Result");
            if (active.equals(u.get("ActiveState")) && sub.equals(u.get("SubState"))) {
                return u;
            }
            if (System.nanoTime() > end) {
                return u;
            }
            if (host != null) {
                host.drain(1000);
            } else {
                Thread.sleep(1000);
            }
        }
    }

    String journal() throws IOException, InterruptedException {
        return sh("journalctl -u trace-agent.service --no-pager -o short-monotonic");
    }

    /** Sends one QMP command (a JSON object) and returns QEMU's reply line (events are skipped). */
    String qmp(String json) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(work.resolve("qmp.sock")));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            OutputStream out = Channels.newOutputStream(ch);
            in.readLine(); // the greeting
            qmpReply(in, out, "{\"execute\":\"qmp_capabilities\"}");
            return qmpReply(in, out, json);
        }
    }

    private static String qmpReply(BufferedReader in, OutputStream out, String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.contains("\"return\"") || line.contains("\"error\"")) {
                return line;
            }
        }
        throw new IOException("QMP closed the connection after " + json);
    }

    String log(String file) throws IOException {
        Path p = work.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "(no " + file + ")";
    }

    String tail(String file, int lines) throws IOException {
        List<String> all = log(file).lines().collect(Collectors.toList());
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Powers the guest off (systemctl poweroff), or ends QEMU if it does not go within 30 s. */
    @Override
    public void close() throws IOException {
        try {
            if (qemu.isAlive()) {
                try {
                    Path dir = work.resolve("share/cmd");
                    Files.writeString(dir.resolve("z-poweroff.sh.part"), "systemctl poweroff\n");
                    Files.move(dir.resolve("z-poweroff.sh.part"), dir.resolve("z-poweroff.sh"),
                            StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    // no share: QEMU goes below
                }
                try {
                    if (!qemu.waitFor(30, TimeUnit.SECONDS)) {
                        try {
                            qmp("{\"execute\":\"quit\"}");
                        } catch (IOException e) {
                            // ended below
                        }
                        if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
                            qemu.destroy();
                            qemu.waitFor(10, TimeUnit.SECONDS);
                        }
                    }
                } catch (InterruptedException e) {
                    qemu.destroy();
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            if (host != null) {
                host.close();
            }
        }
    }
}
