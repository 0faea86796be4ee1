package org.virtiotrace.agent.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.page.PageStream;
import org.virtiotrace.core.tracefs.CpuStats;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsException;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.testkit.FifoPorts;

/**
 * One test's world: a private trace instance on the real tracefs, FIFO stand-ins for
 * the ports, and the agent process pointed at both. Closing it stops the agent and
 * removes the instance and the FIFOs.
 */
public final class Rig implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    public final Native nat = Native.get();
    public final TraceInstance instance;
    public final FifoPorts host;
    public final CpuList cpus;
    private final Map<Integer, CpuStats> before = new HashMap<>();
    private AgentProcess agent;

    private Rig(TraceInstance instance, FifoPorts host, CpuList cpus) {
        this.instance = instance;
        this.host = host;
        this.cpus = cpus;
    }

    /** An instance with the given buffer size and FIFO ports for {@code portCpus}. */
    public static Rig create(int bufferKb, CpuList portCpus) throws IOException {
        Path mount;
        try {
            mount = TracefsLocator.find();
        } catch (TracefsException e) {
            throw new IOException(e.getMessage(), e);
        }
        TraceInstance inst = TraceInstance.create(mount,
                "vta-test-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
        try {
            inst.bufferSizeKb(bufferKb);
            FifoPorts host = FifoPorts.create(Native.get(), (Iterable<Integer>) portCpus.stream()::iterator,
                    "trace-path-cpu%d");
            Rig rig = new Rig(inst, host, portCpus);
            rig.snapshot();
            return rig;
        } catch (IOException | RuntimeException e) {
            inst.close();
            throw e;
        }
    }

    public static Rig create() throws IOException {
        return create(1024, CpuList.online());
    }

    private static Path mountOf(TraceInstance i) {
        return i.tracefs().mount();
    }

    /**
     * Heartbeats add records to every stream, so tests that count events run the agent with
     * --no-heartbeat unless they ask for the heartbeat.
     */
    private boolean heartbeat;

    public Rig withHeartbeat() {
        heartbeat = true;
        return this;
    }

    /** The arguments that point the agent at this rig. */
    public List<String> agentArgs(String... extra) {
        List<String> a = new ArrayList<>(List.of("--tracefs", mountOf(instance).toString(),
                "--instance", instance.name(), "--port-dir", host.dir().toString(), "--socket", socket().toString()));
        if (!heartbeat) {
            a.add("--no-heartbeat");
        }
        a.addAll(List.of(extra));
        return a;
    }

    /** This rig's agent socket (each test its own: tests never meet another test's agent). */
    public Path socket() {
        return host.dir().resolve("agent.sock");
    }

    /** Runs {@code trace-agent COMMAND ARGS --socket THIS-RIG'S} to completion, as a user would. */
    public ClientRun client(String command, String... args) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(List.of(args));
        a.addAll(List.of("--socket", socket().toString()));
        return ClientRun.of(a);
    }

    /** The agent's status table, one row per CPU, columns by header name. */
    public Map<Integer, Map<String, String>> status() throws IOException, InterruptedException {
        ClientRun p = client("status");
        String text = p.text();
        if (p.exit() != 0) {
            throw new AssertionError("status failed: " + p.stderr());
        }
        Map<Integer, Map<String, String>> rows = new HashMap<>();
        String[] header = null;
        for (String line : text.split("\n")) {
            String[] cols = line.trim().split("\\s+", 10);
            if (cols[0].equals("CPU")) {
                header = cols;
            } else if (header != null && cols.length == header.length) {
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < header.length; i++) {
                    row.put(header[i], cols[i]);
                }
                rows.put(Integer.parseInt(cols[0]), row);
            }
        }
        return rows;
    }

    /** Starts the agent (all online CPUs unless {@code extra} says otherwise) and waits until it is ready. */
    public AgentProcess startAgent(String... extra) throws IOException, InterruptedException {
        agent = AgentProcess.start(agentArgs(extra));
        return agent.awaitReady();
    }

    public AgentProcess startAgentWithoutWaiting(Map<String, String> env, String... extra) throws IOException {
        agent = AgentProcess.start(agentArgs(extra), env);
        return agent;
    }

    /** Kernel counters now, the base for {@link #kernelReadEvents} and {@link #kernelLost}. */
    public void snapshot() throws IOException {
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            before.put(cpu, instance.stats(cpu));
        }
    }

    public long kernelReadEvents(int cpu) throws IOException {
        return instance.stats(cpu).readEvents() - before.get(cpu).readEvents();
    }

    public long kernelLost(int cpu) throws IOException {
        return instance.stats(cpu).lostSince(before.get(cpu));
    }

    public int subBufferSize() throws IOException {
        return instance.tracefs().subBufferSize();
    }

    public PageStream received(int cpu) throws IOException {
        return PageStream.of(host.received(cpu), subBufferSize());
    }

    /** Writes {@code count} trace_marker events of about {@code size} bytes from a thread pinned to {@code cpu}. */
    public void mark(int cpu, int count, int size) throws Exception {
        mark(cpu, count, size, 0);
    }

    /** Markers numbered from {@code first}, so several calls make one run (see {@link Markers}). */
    public void mark(int cpu, int count, int size, int first) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                nat.pinToCpu(cpu);
                String filler = "x".repeat(Math.max(0, size - 12));
                for (int i = first; i < first + count; i++) {
                    instance.mark(String.format("m%07d %s", i, filler));
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "marker-cpu" + cpu);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError("writing markers on cpu" + cpu + " failed", failure[0]);
        }
    }

    /** Markers on every CPU of the rig. */
    public void markAll(int countPerCpu, int size) throws Exception {
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            mark(cpu, countPerCpu, size);
        }
    }

    public boolean agentIsAlive() {
        return agent != null && agent.isAlive();
    }

    public long drainUntilQuiet() throws IOException {
        return host.drainUntilQuiet(300, 10_000);
    }

    @Override
    public void close() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            try {
                host.close();
            } finally {
                instance.close();
            }
        }
    }

    public static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
