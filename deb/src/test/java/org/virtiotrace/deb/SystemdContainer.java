package org.virtiotrace.deb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A Debian 12 system with systemd as PID 1 (a privileged podman container; it sees the
 * machine's tracefs), with the agent's package installed by apt as a user would.
 */
final class SystemdContainer implements AutoCloseable {
    final GenericContainer<?> box;
    /** A host directory the container sees as /mnt/out (results come back through it, not the archive API). */
    final Path out;

    private SystemdContainer(GenericContainer<?> box, Path out) {
        this.box = box;
        this.out = out;
    }

    static SystemdContainer boot() throws Exception {
        Podman.ensureReady();
        Path deb = debFile();
        Path out = Files.createTempDirectory("vta-systemd-out");
        // bind mounts rather than copies: no upload through the engine's archive API
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(Podman.IMAGE))
                .withPrivilegedMode(true)
                .withCommand("/sbin/init")
                .withFileSystemBind(deb.getParent().toString(), "/mnt/deb", BindMode.READ_ONLY)
                .withFileSystemBind(out.toString(), "/mnt/out", BindMode.READ_WRITE)
                .withStartupTimeout(Duration.ofSeconds(60));
        c.start();
        SystemdContainer s = new SystemdContainer(c, out);
        s.sh("ln -s /mnt/deb/" + deb.getFileName() + " /root/trace-agent.deb");
        String state = s.sh("systemctl is-system-running --wait").trim();
        if (!state.equals("running") && !state.equals("degraded")) {
            throw new IllegalStateException("systemd in the container: " + state);
        }
        return s;
    }

    static Path debFile() throws IOException {
        Path target = Podman.repoRoot().resolve("deb/target");
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("trace-agent_.*\\.deb")).findFirst()
                    .orElseThrow(() -> new IOException("no trace-agent_*.deb in " + target + "; run mvn package"));
        }
    }

    /** Runs a shell command as root; fails the test with its output unless it exits 0. */
    String sh(String command) throws IOException, InterruptedException {
        ExecResult r = exec(command);
        if (r.getExitCode() != 0) {
            throw new AssertionError("`" + command + "` exited " + r.getExitCode() + ":\n" + r.getStdout()
                    + r.getStderr());
        }
        return r.getStdout();
    }

    ExecResult exec(String command) throws IOException, InterruptedException {
        return box.execInContainer("sh", "-c", command);
    }

    /** `systemctl show` properties of the agent's unit. */
    Map<String, String> unit(String... props) throws IOException, InterruptedException {
        String out = sh("systemctl show trace-agent -p " + String.join(",", props));
        return out.lines().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    @Override
    public void close() throws IOException {
        box.stop();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
