package org.virtiotrace.agent.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.virtiotrace.core.config.TraceConfig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.pump.TraceSource;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * One recording the host configured: a private trace instance made for it, traced from the
 * host's start order to the end of its stop's tail, then removed. Made (and refused) on the
 * request worker; its per-CPU pipes are opened then too, so every failure is part of the
 * {@code ?configure} answer, and lent to the pumps at the start order. The last pump to give
 * its pipe back ends the session: the final {@code ?update} files are kept, the instance goes.
 */
final class TraceSession {
    private final TraceInstance instance; // made for this recording, or null when the top-level is borrowed
    private final Restorer restorer;      // what to put back in the borrowed top-level buffer, or null
    private final TraceMetadata meta;
    private final String where;
    private final String summary;
    private final List<TraceSource> sources = new ArrayList<>();
    private final AtomicInteger lentOut = new AtomicInteger();
    private final Runnable onEnd;
    private FileSet finalUpdate; // guarded by this

    TraceSession(TraceInstance instance, Restorer restorer, TraceMetadata meta, String where, String summary,
                 Runnable onEnd) {
        this.instance = instance;
        this.restorer = restorer;
        this.meta = meta;
        this.where = where;
        this.summary = summary;
        this.onEnd = onEnd;
    }

    /**
     * Makes instance {@code name} under {@code agentBuffer}'s tracefs, traces {@code config} in it
     * (tracing off until {@link #tracing}), and opens its pipes for {@code cpus}; or refuses, leaving
     * nothing behind. A setting the kernel makes only in its top-level buffer borrows that buffer
     * instead, if nobody uses it, and puts it back after ({@code loanRecord} keeps the values as
     * found meanwhile).
     */
    static TraceSession make(Native nat, Tracefs agentBuffer, CpuList cpus, int subBufferSize, String name,
                             TraceConfig config, Path loanRecord, Runnable onEnd) throws SetupRefused {
        try {
            return inInstance(nat, agentBuffer, cpus, subBufferSize, name, config, onEnd);
        } catch (InstanceSetup.NeedsTopLevel e) {
            return TopLevelLoan.borrow(nat, agentBuffer, cpus, subBufferSize, config, loanRecord, onEnd, e.getMessage());
        }
    }

    private static TraceSession inInstance(Native nat, Tracefs agentBuffer, CpuList cpus, int subBufferSize,
                                           String name, TraceConfig config, Runnable onEnd) throws SetupRefused {
        Path mount = agentBuffer.mount();
        long t0 = System.nanoTime();
        TraceInstance inst;
        try {
            inst = TraceInstance.create(mount, name);
        } catch (IOException e) {
            throw new SetupRefused("cannot make trace instance " + mount.resolve("instances").resolve(name) + ": "
                    + TracefsWrites.reason(e));
        }
        TraceSession s = null;
        try {
            long made = System.nanoTime();
            TracefsWrites w = new TracefsWrites(inst.dir());
            matchSubBuffer(w, inst.tracefs(), subBufferSize);
            new InstanceSetup(w, mount, EventCatalog.read(mount.resolve("events"))).apply(config);
            long setUp = System.nanoTime();
            s = new TraceSession(inst, null, metadata(inst.tracefs(), cpus, subBufferSize), "instance " + inst.name(),
                    describe(inst.dir(), "instance " + inst.name()), onEnd);
            s.openPipes(nat, inst.tracefs(), cpus, true);
            Log.info("%s: made in %d ms, set up in %d ms, its pipes opened in %d ms", inst.name(), ms(made - t0),
                    ms(setUp - made), ms(System.nanoTime() - setUp));
            return s;
        } catch (SetupRefused e) {
            discard(s, inst);
            throw e;
        } catch (IOException e) {
            discard(s, inst);
            throw new SetupRefused("cannot set up " + inst.dir() + ": " + TracefsWrites.reason(e));
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** The buffer holds its enabled events and ftrace's own, so ?meta carries just those formats. */
    static TraceMetadata metadata(Tracefs t, CpuList cpus, int subBufferSize) throws IOException {
        java.util.Set<String> enabled = new java.util.HashSet<>();
        for (String l : Files.readAllLines(t.dir().resolve("set_event"))) {
            if (!l.isBlank()) {
                enabled.add(l.trim().replace(':', '/'));
            }
        }
        return new TraceMetadata(t, cpus, subBufferSize).withEventsOnly(enabled);
    }

    void openPipes(Native nat, Tracefs t, CpuList cpus, boolean lock) throws SetupRefused {
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            sources.add(open(nat, t, cpu, lock));
        }
    }

    private static void discard(TraceSession s, TraceInstance inst) {
        if (s != null) {
            s.sources.forEach(src -> src.trace().close());
        }
        try {
            inst.close();
        } catch (IOException e) {
            Log.warn("%s", e.getMessage());
        }
    }

    /** The pumps splice whole sub-buffers of the agent's size: the instance must use that size. */
    private static void matchSubBuffer(TracefsWrites w, Tracefs t, int size) throws SetupRefused, IOException {
        if (t.subBufferSize() != size) {
            if (!w.has("buffer_subbuf_size_kb")) {
                throw new SetupRefused("the instance's sub-buffers are " + t.subBufferSize() + " bytes, the agent's "
                        + size);
            }
            w.set("buffer_subbuf_size_kb", Integer.toString(size / 1024), "a " + size + "-byte sub-buffer");
        }
    }

    private TraceSource open(Native nat, Tracefs t, int cpu, boolean lock) throws SetupRefused {
        Path p = t.tracePipeRaw(cpu);
        try {
            Fd fd = nat.open(p.toString(), Native.Access.READ);
            try {
                if (lock) {
                    nat.lockExclusive(fd);
                }
                return new TraceSource(fd, t.statsFile(cpu), t.dir().resolve("trace_marker_raw"),
                        t.bufferSizePerCpu(cpu), this::givenBack);
            } catch (IOException e) {
                fd.close();
                throw e;
            }
        } catch (NativeException e) {
            throw new SetupRefused(e.getMessage());
        } catch (IOException e) {
            throw new SetupRefused(p + ": " + TracefsWrites.reason(e));
        }
    }

    static String describe(Path dir, String what) {
        StringBuilder b = new StringBuilder(what).append(':');
        try {
            long events = Files.readAllLines(dir.resolve("set_event")).stream().filter(l -> !l.isBlank()).count();
            b.append(' ').append(events).append(events == 1 ? " event" : " events");
            b.append(", tracer ").append(Files.readString(dir.resolve("current_tracer")).trim());
            b.append(", ").append(Files.readString(dir.resolve("buffer_size_kb")).trim()).append(" KiB a CPU");
        } catch (IOException e) {
            b.append(" (").append(TracefsWrites.reason(e)).append(')');
        }
        return b.toString();
    }

    /** Where it traces, for the host: "instance NAME", or the borrowed top-level buffer and why. */
    String where() {
        return where;
    }

    /** One line for the log and the host: what is traced, where. */
    String summary() {
        return summary;
    }

    TraceMetadata metadata() {
        return meta;
    }

    /** The pipes, one per CPU in the order of the agent's CPUs, to lend to the pumps. */
    List<TraceSource> lend() {
        lentOut.set(sources.size());
        return List.copyOf(sources);
    }

    /** tracing_on of the instance: on at the start order, off at the stop (so the tail has an end). */
    void tracing(boolean on) {
        Path f = meta.tracefs().dir().resolve("tracing_on");
        try {
            Files.writeString(f, on ? "1" : "0", java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            Log.warn("%s: %s", f, TracefsWrites.reason(e));
        }
    }

    /** Called on each pump's thread as it gives its pipe back; the last one ends the session. */
    private void givenBack() {
        if (lentOut.decrementAndGet() == 0) {
            end();
        }
    }

    /**
     * Keeps the final ?update files (the counts are final now), then removes the instance. The
     * owner hears of it after this session's lock is let go: it may be holding its own lock
     * while it calls here (locks are taken owner first, never the other way).
     */
    void end() {
        synchronized (this) {
            if (finalUpdate != null) {
                return;
            }
            try {
                finalUpdate = meta.update();
            } catch (IOException e) {
                finalUpdate = new FileSet();
                Log.warn("%s: cannot read the final counts: %s", instance.dir(), e.getMessage());
            }
            if (instance != null) {
                try {
                    instance.close();
                    Log.info("recording over: removed trace instance %s", instance.name());
                } catch (IOException e) {
                    Log.warn("%s", e.getMessage());
                }
            } else {
                List<String> left = restorer.restore();
                if (left.isEmpty()) {
                    Log.info("recording over: the top-level buffer is as it was found");
                } else {
                    Log.warn("recording over: the top-level buffer could not be put back in full: %s",
                            String.join(", ", left));
                }
            }
        }
        onEnd.run();
    }

    /** Closes the pipes opened so far (a session refused before it was handed out). */
    void closePipes() {
        sources.forEach(src -> src.trace().close());
    }

    /** Never started: closes the pipes and removes the instance. */
    void abandon() {
        sources.forEach(s -> s.trace().close());
        end();
    }

    /** The ?update files as they were when the session ended, or null while it runs. */
    synchronized FileSet finalUpdate() {
        return finalUpdate;
    }
}
