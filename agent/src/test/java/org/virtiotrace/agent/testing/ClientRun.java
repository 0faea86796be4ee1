package org.virtiotrace.agent.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of a trace-agent command that talks to a running agent (status, ringbuf-*), to its end. */
public record ClientRun(int exit, byte[] stdout, List<String> stderr) {

    public static ClientRun of(List<String> args) throws IOException, InterruptedException {
        try (AgentProcess p = AgentProcess.start(args)) {
            int exit = p.waitFor(Duration.ofSeconds(30));
            return new ClientRun(exit, p.stdout(), p.stderr());
        }
    }

    /**
     * Runs the command as another user (setpriv), from a copy of the class path that user
     * can read (the build's own lies under /root).
     */
    public static ClientRun asUser(int uid, List<String> args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("trace-agent-cp");
        try {
            List<String> entries = new ArrayList<>();
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            int i = 0;
            for (String entry : cp.split(File.pathSeparator)) {
                Path src = Path.of(entry);
                if (!Files.exists(src)) {
                    continue;
                }
                Path dst = dir.resolve(i++ + "-" + src.getFileName());
                copyTree(src, dst);
                entries.add(dst.toString());
            }
            try (var all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                            Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid,
                    "--clear-groups", "--", java, "-Djava.io.tmpdir=" + dir, "-cp", String.join(File.pathSeparator,
                    entries), "org.virtiotrace.agent.cli.Main"));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("still running after 30 s: " + cmd);
            }
            return new ClientRun(p.exitValue(), out, err.isEmpty() ? List.of() : List.of(err.split("\n")));
        } finally {
            try (var all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (var all = Files.walk(src)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.copy(p, dst.resolve(src.relativize(p).toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    public String text() {
        return new String(stdout, StandardCharsets.ISO_8859_1);
    }
}
