package org.virtiotrace.testkit.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.virtiotrace.core.page.PageStream;

/**
 * One run of the agent in a busybox {@link QemuGuest} (testkit/src/main/qemu/guest-agent.sh):
 * started with its settings and arguments, ready, then stopped with SIGTERM as an admin stops
 * it. Its files are in WORK/sessions/NAME: the agent's log, the kernel's counters before and
 * after, its exit status and how long SIGTERM took.
 */
public final class AgentSession {
    /** An agent starts in 3.5-4.5 s under TCG; export-meta before it takes about 17 s. */
    private static final Duration START_WITHIN = Duration.ofSeconds(150);
    private static final Duration STOP_WITHIN = Duration.ofSeconds(150);

    private final QemuGuest guest;
    private final Path dir;
    private boolean stopped;

    private AgentSession(QemuGuest guest, Path dir) {
        this.guest = guest;
        this.dir = dir;
    }

    static AgentSession start(QemuGuest guest, String name, Map<String, String> env, String... agentArgs)
            throws IOException, InterruptedException {
        guest.drainPorts();
        Path dir = guest.work().resolve("sessions").resolve(name);
        Files.createDirectories(dir);
        StringBuilder e = new StringBuilder();
        env.forEach((k, v) -> e.append(k).append("='").append(v).append("'\n"));
        Files.writeString(dir.resolve("guest-env"), e);
        StringBuilder cmd = new StringBuilder(QemuGuest.scripts().resolve("guest-agent.sh").toString())
                .append(" start ").append(dir).append(' ').append(launcher());
        for (String a : agentArgs) {
            cmd.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        QemuGuest.Result r;
        try {
            r = guest.exec(cmd.toString(), START_WITHIN);
        } catch (QemuGuest.Unresponsive stuck) {
            guest.restart(); // once: a guest stuck before the agent ran says nothing about the agent
            r = guest.exec(cmd.toString(), START_WITHIN);
        }
        AgentSession s = new AgentSession(guest, dir);
        if (r.rc() != 0) {
            throw new AssertionError("the agent did not start in the guest (" + r.rc() + "): " + r.out() + s.all());
        }
        return s;
    }

    /** The agent's launcher this build made (failsafe names the jar). */
    public static String launcher() {
        String jar = System.getProperty("agent.jar");
        Path launcher = jar == null ? QemuGuest.repoRoot().resolve("agent/target/trace-agent")
                : Path.of(jar).resolveSibling("trace-agent");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no agent launcher (" + launcher + "): run through mvn verify");
        }
        return launcher.toString();
    }

    public Path dir() {
        return dir;
    }

    /** A file of the session, or "(no FILE)". */
    public String file(String name) throws IOException {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "(no " + name + ")";
    }

    public String log() throws IOException {
        return file("agent.log");
    }

    /** Marks the moment the host starts its side (KILL_AFTER counts from it). */
    public void hostStarted() throws IOException {
        Files.write(dir.resolve("host-started"), new byte[0]);
    }

    /** Stops the load and the agent (SIGTERM, timed) and puts the guest's tracefs back; returns the agent's exit status. */
    public int stop() throws IOException, InterruptedException {
        if (!stopped) {
            stopped = true;
            try {
                QemuGuest.Result r = guest.exec(QemuGuest.scripts().resolve("guest-agent.sh") + " stop " + dir,
                        STOP_WITHIN);
                if (r.rc() != 0) {
                    throw new AssertionError("stopping the session failed (" + r.rc() + "): " + r.out() + all());
                }
            } catch (QemuGuest.Unresponsive stuck) {
                if (!Files.exists(dir.resolve("agent-rc"))) {
                    throw stuck; // stuck before the agent's exit: the session says nothing
                }
                guest.restart(); // stuck putting tracefs back, after the agent's exit: the next session gets a fresh guest
            }
        }
        return Integer.parseInt(file("agent-rc").trim());
    }

    /** Milliseconds from SIGTERM to the agent's exit, once stopped. */
    public long termMillis() throws IOException {
        return Long.parseLong(file("agent-term-ms").trim());
    }

    /**
     * Milliseconds the guest took for a fixed piece of shell work (20000 rounds of a loop), the
     * slower of a run just before the SIGTERM and one just after the exit: how fast the guest ran
     * around the stop, for bounds on times that are work.
     */
    public long paceMillis() throws IOException {
        return Long.parseLong(file("pace-ms").trim());
    }

    /** cpuN -> {read events, overrun} from stats-before or stats-after. */
    private Map<Integer, long[]> stats(String file) throws IOException {
        Map<Integer, long[]> m = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve(file))) {
            String[] f = line.trim().split("\\s+");
            m.put(Integer.parseInt(f[0].substring(3)), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        return m;
    }

    /** Events the guest's kernel handed out on {@code cpu} during the session. */
    public long readEventsDelta(int cpu) throws IOException {
        return stats("stats-after").get(cpu)[0] - stats("stats-before").get(cpu)[0];
    }

    /** ... on every CPU. */
    public long readEventsDelta() throws IOException {
        long n = 0;
        for (int cpu : stats("stats-after").keySet()) {
            n += readEventsDelta(cpu);
        }
        return n;
    }

    /** Events the guest's kernel overwrote on {@code cpu} during the session. */
    public long overrunDelta(int cpu) throws IOException {
        return stats("stats-after").get(cpu)[1] - stats("stats-before").get(cpu)[1];
    }

    /**
     * Events the guest's kernel has overwritten so far in the session, on every CPU: asked in
     * the guest now, while the session runs.
     */
    public long overrunSoFar() throws IOException, InterruptedException {
        long now = 0;
        for (String n : guest.sh("sed -n 's/^overrun: //p' /sys/kernel/tracing/per_cpu/cpu*/stats").split("\\s+")) {
            if (!n.isEmpty()) {
                now += Long.parseLong(n);
            }
        }
        long before = 0;
        for (long[] counts : stats("stats-before").values()) {
            before += counts[1];
        }
        return now - before;
    }

    /** What the host's ends of CPU {@code cpu}'s port received, as a checked page stream. */
    public PageStream received(int cpu) throws IOException {
        return PageStream.of(guest.hostPorts().received(cpu), QemuGuest.PAGE);
    }

    /** Everything that helps when an assertion fails. */
    public String all() throws IOException {
        return "\nagent log:\n" + log() + "\nsession: " + dir + "\nconsole:\n" + guest.tail("console.log", 20);
    }
}
