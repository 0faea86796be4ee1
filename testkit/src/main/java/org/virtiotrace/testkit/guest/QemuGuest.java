package org.virtiotrace.testkit.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.testkit.FifoPorts;

/**
 * A real QEMU guest (TCG) with virtio-serial ports as virtio-trace setup prints them, on host FIFOs, that runs the
 * commands a test gives it, one boot for as many checks as a test class has. Two kinds, one
 * harness: {@link #busybox} (a Debian kernel, a busybox initramfs, the host's own files
 * read-only: the agent built here runs in it, started and stopped by the test as
 * {@link AgentSession}s), and {@link #systemd} (a Debian 12 root with this build's package
 * installed, systemd as PID 1, udev). Both take commands through WORK/share/cmd (NAME.sh, then
 * NAME.out and NAME.rc), listen for QMP on WORK/qmp.sock, and keep console.log and qemu.log.
 * The scripts are testkit/src/main/qemu/.
 */
public final class QemuGuest implements AutoCloseable {
    /** The guests' kernel (Debian 12's 6.1) has 4 KiB sub-buffers. */
    public static final int PAGE = 4096;

    /** What a guest command printed (stdout and stderr) and its exit status. */
    public record Result(int rc, String out) {
    }

    /** A command the guest took and never finished: the guest is stuck (see {@link #restart}). */
    public static final class Unresponsive extends AssertionError {
        Unresponsive(String message) {
            super(message);
        }
    }

    private final Path work;
    private final int cpus;
    private final List<String> bootCommand;
    private final Duration bootWithin;
    private final boolean systemd;
    private Process qemu;
    private final AtomicInteger seq = new AtomicInteger();
    private FifoPorts hostPorts;

    private QemuGuest(Path work, int cpus, List<String> bootCommand, Duration bootWithin, boolean systemd) {
        this.work = work;
        this.cpus = cpus;
        this.bootCommand = bootCommand;
        this.bootWithin = bootWithin;
        this.systemd = systemd;
    }

    /** The repository's root (the tests run in a module's directory). */
    public static Path repoRoot() {
        return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    }

    /** The guest scripts. */
    public static Path scripts() {
        return repoRoot().resolve("testkit/src/main/qemu");
    }

    /**
     * A busybox guest with {@code cpus} vCPUs in {@code work}; {@code sockets}: the ports also over
     * unix sockets (WORK/sock/NAME; sock-NAME in the guest), for a host that connects.
     */
    public static QemuGuest busybox(Path work, int cpus, boolean sockets) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(scripts().resolve("run-guest.sh").toString(), "-x",
                "-c", Integer.toString(cpus), "-t", "1800", "-w", work.toString()));
        if (sockets) {
            cmd.add("-S");
            if (work.resolve("sock/trace-path-cpu" + (cpus - 1)).toString().length() > 107) {
                throw new IllegalStateException(work + ": too long for a unix socket path (108 bytes at most)");
            }
        }
        return boot(work, cpus, cmd, false, Duration.ofSeconds(300));
    }

    /** A systemd guest with this build's package installed (built once, cached), {@code cpus} vCPUs. */
    public static QemuGuest systemd(Path work, int cpus) throws IOException, InterruptedException {
        // the first run builds the guest root (~10 s; the Debian rootfs tarball, if missing, takes
        // minutes more); then TCG boots systemd to its command runner in ~15-25 s
        return boot(work, cpus, List.of("bash", scripts().resolve("systemd-guest.sh").toString(), "boot", "-w",
                work.toString(), "-c", Integer.toString(cpus), "-t", "1800"), true, Duration.ofSeconds(600));
    }

    /**
     * The same systemd guest with no virtio-trace ports and no virtio-serial controller, as a VM
     * started without setup's options is: for attach. Its QMP monitor is WORK/qmp.sock.
     */
    public static QemuGuest systemdWithoutPorts(Path work, int cpus) throws IOException, InterruptedException {
        return boot(work, cpus, List.of("bash", scripts().resolve("systemd-guest.sh").toString(), "boot", "-n", "-w",
                work.toString(), "-c", Integer.toString(cpus), "-t", "1800"), true, Duration.ofSeconds(600));
    }

    /**
     * The same guest as a transient libvirt domain {@code name} (virtlogd and libvirtd started if
     * they are not running), with a virtio-serial controller and no port: for attach --domain.
     */
    public static QemuGuest systemdUnderLibvirt(Path work, int cpus, String name)
            throws IOException, InterruptedException {
        return boot(work, cpus, List.of("bash", scripts().resolve("systemd-guest.sh").toString(), "boot-libvirt",
                "-w", work.toString(), "-n", name, "-c", Integer.toString(cpus)), true, Duration.ofSeconds(600));
    }

    /** The guest's QMP monitor socket. */
    public Path qmpSocket() {
        return work.resolve("qmp.sock");
    }

    private static QemuGuest boot(Path work, int cpus, List<String> cmd, boolean systemd, Duration within)
            throws IOException, InterruptedException {
        if (Files.exists(work)) {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        QemuGuest g = new QemuGuest(work, cpus, cmd, within, systemd);
        g.start();
        return g;
    }

    private void start() throws IOException, InterruptedException {
        Files.createDirectories(work.resolve("share/cmd"));
        qemu = new ProcessBuilder(bootCommand).redirectErrorStream(true)
                .redirectOutput(work.resolve("boot.log").toFile()).start();
        try {
            awaitFile("share/exec-ready", bootWithin);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Ends QEMU at once and boots the guest again, the ports' FIFOs and the sessions' files kept:
     * for a guest that got stuck. Seen here once in about twenty boots under TCG: the guest hung
     * enabling trace events (kernel text patching with both vCPUs), one vCPU spinning in the
     * kernel, before any agent ran.
     */
    public void restart() throws IOException, InterruptedException {
        qemu.descendants().forEach(ProcessHandle::destroyForcibly);
        qemu.destroyForcibly();
        qemu.waitFor(30, TimeUnit.SECONDS);
        try (Stream<Path> s = Files.list(work.resolve("share/cmd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(work.resolve("share/exec-ready"));
        Files.deleteIfExists(work.resolve("share/poweroff"));
        System.out.println("the test guest in " + work + " was stuck: restarted it");
        start();
    }

    public Path work() {
        return work;
    }

    public int cpus() {
        return cpus;
    }

    /** The host ends of the pipe chardevs: WORK/fifo/NAME.in and NAME.out. */
    public Path fifoDir() {
        return work.resolve("fifo");
    }

    /** The unix sockets of a guest booted with them: WORK/sock/NAME. */
    public Path socketDir() {
        return work.resolve("sock");
    }

    /** Waits until WORK/NAME exists; fails when the guest ends first. */
    public void awaitFile(String name, Duration timeout) throws InterruptedException, IOException {
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
            Thread.sleep(50);
        }
    }

    /** Runs {@code command} with bash as root in the guest (in WORK, or /vta in the systemd guest). */
    public Result exec(String command, Duration timeout) throws IOException, InterruptedException {
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
                throw new Unresponsive("`" + command + "` gave no answer within " + timeout + "; console:\n"
                        + tail("console.log", 40));
            }
            Thread.sleep(20);
        }
        Result r = new Result(Integer.parseInt(Files.readString(rc).trim()), Files.readString(dir.resolve(n + ".out")));
        Files.deleteIfExists(rc);
        Files.deleteIfExists(dir.resolve(n + ".out"));
        return r;
    }

    public Result exec(String command) throws IOException, InterruptedException {
        return exec(command, Duration.ofSeconds(60));
    }

    /** Runs a command in the guest; fails the test with its output unless it exits 0. */
    public String sh(String command) throws IOException, InterruptedException {
        Result r = exec(command, Duration.ofSeconds(180));
        if (r.rc() != 0) {
            throw new AssertionError("`" + command + "` exited " + r.rc() + " in the guest:\n" + r.out());
        }
        return r.out();
    }

    /**
     * Starts the agent (the launcher this build made) in a busybox guest, as session {@code name}
     * (its files in WORK/sessions/NAME), with guest-agent.sh's settings {@code env} and
     * {@code agentArgs}; returns once it is ready. The host's ends of the ports are drained first.
     */
    public AgentSession startAgent(String name, java.util.Map<String, String> env, String... agentArgs)
            throws IOException, InterruptedException {
        return AgentSession.start(this, name, env, agentArgs);
    }

    /**
     * The host's ends of the pipe chardevs, held the way QEMU holds them (the test playing the
     * host with FIFO reads and echo): opened on first use. A test that runs virtio-trace record
     * on the ports must not hold them (two readers split the data): it never calls this.
     */
    public FifoPorts hostPorts() throws IOException {
        if (hostPorts == null) {
            hostPorts = FifoPorts.attachToGuest(Native.get(), fifoDir(),
                    (Iterable<Integer>) IntStream.range(0, cpus)::iterator);
        }
        return hostPorts;
    }

    /**
     * Reads and drops what the ports hold (what an earlier session left), until they have been
     * quiet for a while; what {@link #hostPorts} received is forgotten.
     */
    public void drainPorts() throws IOException {
        boolean held = hostPorts != null;
        FifoPorts p = hostPorts();
        p.drainUntilQuiet(300, 30_000);
        p.forget();
        if (!held) {
            p.close();
            hostPorts = null;
        }
        // and the replies nobody read from the control port
        Native nat = Native.get();
        try (Fd ctl = nat.open(fifoDir().resolve(PortNames.CONTROL + PortNames.HOST_READS).toString(),
                Native.Access.READ)) {
            ByteBuffer b = ByteBuffer.allocateDirect(64 << 10);
            while (nat.read(ctl, b.clear()) > 0) {
                // dropped
            }
        }
    }

    /** Sends one QMP command (a JSON object) and returns QEMU's reply line (events are skipped). */
    public String qmp(String json) throws IOException {
        return Qmp.send(work.resolve("qmp.sock"), json);
    }

    /** A file of the work directory, or "(no FILE)". */
    public String log(String file) throws IOException {
        Path p = work.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "(no " + file + ")";
    }

    public String tail(String file, int lines) throws IOException {
        List<String> all = log(file).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Powers the guest off (QEMU quits if it does not go within 30 s); releases the host's ends. */
    @Override
    public void close() throws IOException {
        try {
            if (qemu.isAlive()) {
                try {
                    if (systemd) {
                        Path dir = work.resolve("share/cmd");
                        Files.writeString(dir.resolve("z-poweroff.sh.part"), "systemctl poweroff\n");
                        Files.move(dir.resolve("z-poweroff.sh.part"), dir.resolve("z-poweroff.sh"),
                                StandardCopyOption.ATOMIC_MOVE);
                    } else {
                        Files.createFile(work.resolve("share/poweroff"));
                    }
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
                            qemu.descendants().forEach(ProcessHandle::destroy);
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
            if (hostPorts != null) {
                hostPorts.close();
            }
        }
    }
}
