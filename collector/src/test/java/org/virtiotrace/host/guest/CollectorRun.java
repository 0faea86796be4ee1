package org.virtiotrace.host.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code virtio-trace} as users run it (the launcher this build made), on the host side of a
 * test guest's ports; its stderr in DIR/record.err.
 */
final class CollectorRun {
    private final Process process;
    private final Path dir;
    private final long started = System.nanoTime();

    private CollectorRun(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** What one run left: its exit status, its stderr, how long it took. */
    record Result(int exit, String stderr, long millis) {
        List<String> lines() {
            return stderr.lines().toList();
        }
    }

    /** Starts {@code virtio-trace ARGS...}, its output in {@code dir}. */
    static CollectorRun start(Path dir, String... args) throws IOException {
        String launcher = System.getProperty("collector.launcher");
        if (launcher == null || !Files.isExecutable(Path.of(launcher))) {
            throw new IllegalStateException("no collector.launcher (" + launcher + "): run through mvn verify");
        }
        List<String> cmd = new ArrayList<>(List.of(launcher));
        cmd.addAll(List.of(args));
        Files.createDirectories(dir);
        return new CollectorRun(new ProcessBuilder(cmd).redirectOutput(dir.resolve("record.out").toFile())
                .redirectError(dir.resolve("record.err").toFile()).start(), dir);
    }

    /** Runs {@code virtio-trace ARGS...} to its end. */
    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        return start(dir, args).await();
    }

    long pid() {
        return process.pid(); // the launcher execs the JVM
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the run (at most 5 minutes). */
    Result await() throws IOException, InterruptedException {
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("virtio-trace did not end within 300 s: " + Files.readString(dir.resolve("record.err")));
        }
        return new Result(process.exitValue(), Files.readString(dir.resolve("record.err")),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
}
