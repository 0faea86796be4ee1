package org.virtiotrace.agent.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.virtiotrace.core.pump.PumpRehearsal;

/**
 * The agent as a user runs it: its own JVM and process, real signals, real exit codes,
 * stderr read line by line, stdout kept (it is the trace in -o mode).
 */
public final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final List<String> stderr = new ArrayList<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final Thread errReader;
    private final Thread outReader;

    private final Path errFile;

    private AgentProcess(Process process, Path errFile) {
        this.process = process;
        this.errFile = errFile;
        this.errReader = new Thread(this::readErr, "agent-stderr");
        this.outReader = new Thread(this::readOut, "agent-stdout");
        errReader.setDaemon(true);
        outReader.setDaemon(true);
        errReader.start();
        outReader.start();
    }

    public static AgentProcess start(List<String> args) throws IOException {
        return start(args, Map.of());
    }

    public static AgentProcess start(List<String> args, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", cp, "org.virtiotrace.agent.cli.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        File err = File.createTempFile("agent", ".stderr");
        err.deleteOnExit();
        pb.redirectError(err);
        pb.environment().remove("JOURNAL_STREAM");
        pb.environment().putAll(env);
        return new AgentProcess(pb.start(), err.toPath());
    }

    /** Follows the agent's stderr file (a file, not a pipe: nothing is lost when the agent exits). */
    private void readErr() {
        try (BufferedReader r = Files.newBufferedReader(errFile, StandardCharsets.UTF_8)) {
            StringBuilder partial = new StringBuilder();
            while (true) {
                boolean exited = !process.isAlive();
                int c;
                while ((c = r.read()) >= 0) {
                    if (c == '\n') {
                        synchronized (stderr) {
                            stderr.add(partial.toString());
                            stderr.notifyAll();
                        }
                        partial.setLength(0);
                    } else {
                        partial.append((char) c);
                    }
                }
                if (exited) {
                    synchronized (stderr) {
                        stderr.notifyAll();
                    }
                    return;
                }
                Thread.sleep(10);
            }
        } catch (IOException | InterruptedException e) {
            // test over
        }
    }

    private void readOut() {
        byte[] b = new byte[1 << 16];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(b)) > 0) {
                synchronized (stdout) {
                    stdout.write(b, 0, n);
                }
            }
        } catch (IOException e) {
            // process gone
        }
    }

    /** Waits for a stderr line that matches; fails the test with everything logged if none comes. */
    public String awaitLog(Predicate<String> match, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (stderr) {
            while (true) {
                for (String l : stderr) {
                    if (match.test(l)) {
                        return l;
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !errReader.isAlive())) {
                    throw new AssertionError("no such log line within " + timeout + "; agent said: " + stderr);
                }
                stderr.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    public String awaitLog(String contains) throws InterruptedException {
        return awaitLog(l -> l.contains(contains), Duration.ofSeconds(10));
    }

    /** Waits for the "ready" line: every port and the control port are open. */
    public AgentProcess awaitReady() throws InterruptedException {
        awaitLog("ready:");
        return this;
    }

    public List<String> stderr() throws InterruptedException {
        if (!process.isAlive()) {
            errReader.join(2000);
        }
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    public byte[] stdout() throws InterruptedException {
        if (!process.isAlive()) {
            outReader.join(2000);
        }
        synchronized (stdout) {
            return stdout.toByteArray();
        }
    }

    /** The reader of the agent's stdout goes away, like `trace-agent -o | head` once head has enough. */
    public void closeStdout() throws IOException {
        process.getInputStream().close();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal by name (USR1, HUP...) with kill(1). */
    public void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new AssertionError("kill -" + name + " " + pid() + " failed");
        }
    }

    /** SIGTERM, as systemd and kill(1) send it. */
    public void terminate() {
        process.destroy();
    }

    /** Exit code, or fails the test if the agent is still running after {@code timeout}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("agent still running after " + timeout + "; it said: " + stderr());
        }
        return process.exitValue();
    }

    /** CPU time (user+system) the agent used so far, in clock ticks, from /proc/PID/stat. */
    public long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * Waits until the agent's start-up work is over (the pump rehearsal it plays once ready, in
     * rounds with a pause between them, and the JIT compiling what that taught it): a window
     * longer than that pause in which it used at most one clock tick. False when it never
     * settles within {@code limit}: a spin.
     */
    public boolean awaitSettled(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long before = cpuTicks();
        while (System.nanoTime() - deadline < 0) {
            Thread.sleep(PumpRehearsal.NEXT_ROUND_AFTER_MS + 200L);
            long now = cpuTicks();
            if (now - before <= 1) {
                return true;
            }
            before = now;
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        }
    }
}
