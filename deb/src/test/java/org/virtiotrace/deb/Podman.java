package org.virtiotrace.deb;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The container engine for the systemd tests: rootful podman's Docker-compatible API on
 * a UNIX socket (there is no Docker engine here), started if nothing answers there, and
 * the Debian 12 + systemd image built from Debian's packages (no registry is reachable).
 * failsafe points testcontainers at the socket (DOCKER_HOST, in deb/pom.xml).
 */
final class Podman {
    static final Path SOCKET = Path.of("/run/vta-podman.sock");
    static final String IMAGE = "localhost/vta-debian-systemd:12";

    private Podman() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    }

    /**
     * The service re-reads CONTAINERS_CONF in its helper processes, so it gets a copy at a
     * fixed path, refreshed on every use: a service started from another checkout (which
     * may be gone) keeps working.
     */
    private static final Path CONF = Path.of("/run/vta-podman.containers.conf");

    private static Path containersConf() throws IOException {
        Files.copy(repoRoot().resolve("systemd/test/containers.conf"), CONF,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return CONF;
    }

    /** Starts `podman system service` on {@link #SOCKET} unless it already answers; builds the image. */
    static synchronized void ensureReady() throws IOException, InterruptedException {
        if (!answers()) {
            Files.deleteIfExists(SOCKET);
            ProcessBuilder pb = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + SOCKET)
                    .redirectErrorStream(true)
                    .redirectOutput(Files.createTempFile("podman-service", ".log").toFile());
            pb.environment().put("CONTAINERS_CONF", containersConf().toString());
            pb.start(); // left running, like a system service; it holds no test state
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!answers()) {
                if (System.nanoTime() > end) {
                    throw new IOException("podman system service did not answer on " + SOCKET + " within 20 s");
                }
                Thread.sleep(100);
            }
        }
        run(List.of("bash", repoRoot().resolve("systemd/test/build-image.sh").toString()));
    }

    private static boolean answers() {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(SOCKET));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("CONTAINERS_CONF", containersConf().toString());
        int rc = pb.start().waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc);
        }
    }
}
