package org.virtiotrace.deb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * A Debian 12 system with systemd as PID 1 (a privileged podman container; it sees the
 * machine's tracefs), with the agent's package installed by apt as a user would.
 */
final class SystemdContainer implements AutoCloseable {
    final GenericContainer<?> box;

    private SystemdContainer(GenericContainer<?> box) {
        this.box = box;
    }

    static SystemdContainer boot() throws Exception {
        Podman.ensureReady();
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(Podman.IMAGE))
                .withPrivilegedMode(true)
                .withCommand("/sbin/init")
                .withCopyFileToContainer(MountableFile.forHostPath(debFile()), "/root/trace-agent.deb")
                .withStartupTimeout(Duration.ofSeconds(60));
        c.start();
        SystemdContainer s = new SystemdContainer(c);
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
    public void close() {
        box.stop();
    }
}
