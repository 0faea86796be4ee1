package org.virtiotrace.host.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program of this build run as users run it: its own JVM, real signals, real exit codes,
 * stderr kept in a file (a pipe loses the last lines when the JDK reaps the process).
 */
public final class Proc implements AutoCloseable {
    private final Process process;
    private final Path err;
    private final Path out;

    private Proc(Process process, Path err, Path out) {
        this.out = out;
        this.process = process;
        this.err = err;
    }

    /** {@code mainClass} with {@code args}, on this test's class path. */
    public static Proc java(String mainClass, List<String> args) throws IOException {
        return java(mainClass, args, "");
    }

    /** The same with {@code before} ahead of the test's class path. */
    private static Proc java(String mainClass, List<String> args, String before) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = before + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--add-opens", "java.base/java.io=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", cp, mainClass));
        cmd.addAll(args);
        return start(cmd);
    }

    public static Proc start(List<String> cmd) throws IOException {
        File err = File.createTempFile("proc", ".stderr");
        err.deleteOnExit();
        File out = File.createTempFile("proc", ".stdout");
        out.deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err).redirectOutput(out);
        pb.environment().remove("JOURNAL_STREAM");
        return new Proc(pb.start(), err.toPath(), out.toPath());
    }

    /** virtio-trace with {@code args}. */
    public static Proc virtioTrace(String... args) throws IOException {
        return java("org.virtiotrace.host.cli.Main", List.of(args));
    }

    /** trace-agent with {@code args}: the agent module's classes, with the core this module has too. */
    public static Proc traceAgent(List<String> args) throws IOException {
        String classes = System.getProperty("agent.classes");
        if (classes == null || !Files.isDirectory(Path.of(classes))) {
            throw new IllegalStateException("no agent classes (" + classes + "): build them in the same run (mvn test -pl agent,collector -am ...)");
        }
        return java("org.virtiotrace.agent.cli.Main", args, classes + File.pathSeparator);
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after " + timeout + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    /** What it wrote to stdout so far. */
    public String stdout() {
        try {
            return Files.readString(out);
        } catch (IOException e) {
            return "(stdout unreadable: " + e + ")";
        }
    }

    public String stderr() {
        try {
            return Files.readString(err);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    /** Waits until stderr has a line containing {@code text}. */
    public void awaitStderr(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!stderr().contains(text)) {
            if (!process.isAlive()) {
                throw new AssertionError("exited (" + process.exitValue() + ") before '" + text + "': " + stderr());
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no '" + text + "' within " + timeout + ": " + stderr());
            }
            Thread.sleep(20);
        }
    }

    public void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
