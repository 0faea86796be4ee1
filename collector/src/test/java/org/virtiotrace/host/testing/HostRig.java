package org.virtiotrace.host.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;

/**
 * Both sides on this machine: a private trace instance on the real tracefs, a port
 * directory made by the real {@code virtio-trace setup} (the FIFO pairs QEMU's pipe chardev
 * uses), and the agent given that directory as --port-dir, which makes it play the guest
 * on those FIFOs.
 */
public final class HostRig implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    public final TraceInstance instance;
    public final Path work;
    public final Path ports;
    public final int cpus = Runtime.getRuntime().availableProcessors();
    private final List<Proc> procs = new ArrayList<>();

    private HostRig(TraceInstance instance, Path work, String portsName) {
        this.instance = instance;
        this.work = work;
        this.ports = work.resolve(portsName);
    }

    public static HostRig create() throws Exception {
        return create("ports");
    }

    /** A rig whose ports directory is {@code portsName}: the name record gives its guest. */
    public static HostRig create(String portsName) throws Exception {
        TraceInstance inst = TraceInstance.create(TracefsLocator.DEFAULT_MOUNT,
                "vt-host-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
        inst.bufferSizeKb(1024);
        inst.enableEvents("sched/sched_switch");
        inst.enableEvents("timer/hrtimer_start");
        HostRig rig = new HostRig(inst, Files.createTempDirectory("vt-host"), portsName);
        Proc setup = rig.track(Proc.virtioTrace("setup", "--cpus", Integer.toString(rig.cpus), rig.ports.toString()));
        if (setup.waitFor(Duration.ofSeconds(30)) != 0) {
            rig.close();
            throw new AssertionError("setup failed: " + setup.stderr());
        }
        return rig;
    }

    public Proc track(Proc p) {
        procs.add(p);
        return p;
    }

    /** The agent on this rig's instance and ports, started and ready, with {@code more} options. */
    public Proc startAgent(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--tracefs", TracefsLocator.DEFAULT_MOUNT.toString(),
                "--instance", instance.name(), "--port-dir", ports.toString(), "--no-socket"));
        args.addAll(List.of(more));
        Proc a = track(Proc.traceAgent(args));
        a.awaitStderr("ready:", Duration.ofSeconds(30));
        return a;
    }

    /** virtio-trace record on this rig's ports, with more arguments. */
    public Proc record(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of("record", ports.toString(), "--no-progress"));
        a.addAll(List.of(args));
        return track(Proc.virtioTrace(a.toArray(String[]::new)));
    }

    /**
     * The agent under load, recorded for 2 s into work/vm.dat with a session log work/vm.vtlog
     * (and {@code more} arguments); returns the finished recording.
     */
    public Proc recordSessionUnderLoad(java.util.function.BooleanSupplier loading, String... more) throws Exception {
        startAgent();
        load(loading);
        List<String> a = new ArrayList<>(List.of("-o", work.resolve("vm.dat").toString(), "--duration", "2",
                "--session", work.resolve("vm.vtlog").toString()));
        a.addAll(List.of(more));
        Proc rec = record(a.toArray(String[]::new));
        if (rec.waitFor(Duration.ofSeconds(60)) != 0) {
            throw new AssertionError("record --session failed: " + rec.stderr());
        }
        return rec;
    }

    /** Events in the instance until {@code running} is false (markers, and the scheduling they cause). */
    public Thread load(java.util.function.BooleanSupplier running) {
        Thread t = new Thread(() -> {
            int i = 0;
            try {
                while (running.getAsBoolean()) {
                    instance.mark("vt-load " + i++);
                    if (i % 50 == 0) {
                        Thread.sleep(1);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the instance went away: the test is over
            }
        }, "load");
        t.setDaemon(true);
        t.start();
        return t;
    }

    public long readEvents() throws IOException {
        long n = 0;
        for (int c = 0; c < cpus; c++) {
            n += instance.stats(c).readEvents();
        }
        return n;
    }

    @Override
    public void close() throws Exception {
        // SIGTERM first: an agent takes its trace instances down then, a SIGKILL leaves them
        for (Proc p : procs) {
            if (p.isAlive()) {
                p.signal("TERM");
            }
        }
        for (Proc p : procs) {
            try {
                p.waitFor(Duration.ofSeconds(5));
            } catch (AssertionError stuck) {
                // killed by waitFor: what it left is removed below
            }
            p.close();
            // what an agent a test killed could not take down (its next start would): its clock-sync instance
            Files.deleteIfExists(TracefsLocator.DEFAULT_MOUNT.resolve("instances/virtio-trace-sync-" + p.pid()));
        }
        instance.close();
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
