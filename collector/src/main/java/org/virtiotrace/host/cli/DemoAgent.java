package org.virtiotrace.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;

/**
 * The demo's guest: the agent as its own process, with its launcher's JVM flags, tracing a private
 * instance and serving the demo's port FIFOs (the host's layout, which it recognizes), its log in
 * a file. Stopped as systemd stops it: SIGTERM, then it has a second.
 */
final class DemoAgent {
    private static final long STOP_WAIT_MS = 5000;

    private final Process process;
    private final Path log;

    private DemoAgent(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the agent and waits for its "ready:" line; exits 3 with its own words when it does not get there. */
    static DemoAgent start(Path launcher, TraceInstance inst, Path portDir, Path log, Duration readyWithin)
            throws IOException, InterruptedException, ExitException {
        Process p = new ProcessBuilder(launcher.toString(), "--tracefs", inst.tracefs().mount().toString(),
                "--instance", inst.name(), "--port-dir", portDir.toString(), "--no-socket")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        DemoAgent a = new DemoAgent(p, log);
        long end = System.nanoTime() + readyWithin.toNanos();
        while (!a.said("ready:")) {
            if (!p.isAlive()) {
                throw new ExitException(Exit.NO_GUEST, "the agent exited " + p.exitValue() + " before it was ready: "
                        + a.lastLine());
            }
            if (System.nanoTime() > end) {
                p.destroyForcibly();
                throw new ExitException(Exit.NO_GUEST, "the agent was not ready within " + readyWithin.toSeconds()
                        + " s: " + a.lastLine());
            }
            Thread.sleep(20);
        }
        return a;
    }

    /** SIGTERM, as systemd sends it; waits for the exit. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    boolean exitedCleanly() {
        return !process.isAlive() && process.exitValue() == 0;
    }

    String describeExit() {
        return process.isAlive() ? "still running" : "exit " + process.exitValue() + ", last line: " + lastLine();
    }

    private boolean said(String text) throws IOException {
        return Files.exists(log) && Files.readString(log).contains(text);
    }

    private String lastLine() {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(nothing on stderr)" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
