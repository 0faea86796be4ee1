package org.virtiotrace.host.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsException;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;
import org.virtiotrace.host.record.RecordOptions;
import org.virtiotrace.host.record.Recorder;
import org.virtiotrace.host.record.Summary;
import org.virtiotrace.host.tracedat.TraceDatFormat;
import org.virtiotrace.host.setup.PortFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole product on one machine without virtio ports: the port FIFOs as setup makes them,
 * the agent playing the guest on them (its own process, on a private trace instance), the
 * collector as the host, a trace.dat at the end, checked against the kernel's counters and decoded.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Show the whole product on this machine: agent, ports, collector, trace.dat.",
        description = {
            "Makes a guest's port FIFOs in a temporary directory, starts the agent (trace-agent, found beside this "
                + "command or in the build tree) on them against a private trace instance of this machine's tracefs, "
                + "as it would run in a guest, records with 'record' as the host would, and checks the trace.dat: "
                + "every event the kernel handed out is in it, decoded by trace-cmd (or by virtio-trace's own page "
                + "reader when trace-cmd is not installed). Needs root (tracefs).",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every event arrived and decodes", "1:something was lost or does not decode",
            "3:tracefs unusable, or the agent could not start (its own status and line are shown)",
            "6:native layer unavailable"})
final class DemoCommand implements Callable<Integer> {
    private static final Duration AGENT_READY = Duration.ofSeconds(30);

    @Option(names = "--seconds", defaultValue = "3", description = "How long to record (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Keep the trace.dat here (default: removed).")
    Path output;

    @picocli.CommandLine.Mixin
    FileFormatOptions fileFormat;

    @Option(names = "--agent", paramLabel = "LAUNCHER",
            description = "The agent to run (default: trace-agent beside this command, or the build tree's).")
    Path agentLauncher;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (!Native.isAvailable()) {
            System.err.println("virtio-trace demo: error: the native layer cannot load: " + Native.unavailabilityCause());
            return Exit.NATIVE;
        }
        List<Path> looked = new ArrayList<>();
        Optional<Path> launcher = agentLauncher != null ? Optional.of(agentLauncher) : AgentLauncher.find(looked);
        if (launcher.isEmpty()) {
            System.err.println("virtio-trace demo: error: no trace-agent launcher in " + looked + "; build it "
                    + "(mvn package) or give --agent");
            return Exit.NO_GUEST;
        }
        Path mount;
        try {
            mount = TracefsLocator.find();
        } catch (TracefsException e) {
            System.err.println("virtio-trace demo: error: " + e.getMessage());
            return Exit.NO_GUEST;
        }
        Path work = Files.createTempDirectory("virtio-trace-demo");
        try (TraceInstance inst = TraceInstance.create(mount, "virtio-trace-demo-" + ProcessHandle.current().pid())) {
            inst.bufferSizeKb(2048);
            for (String e : List.of("sched/sched_switch", "sched/sched_wakeup", "timer/hrtimer_start", "irq")) {
                inst.enableEvents(e);
            }
            return run(inst, work, launcher.get());
        } finally {
            try (var s = Files.walk(work)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private int run(TraceInstance inst, Path work, Path launcher) throws Exception {
        CpuList cpus = CpuList.online();
        PortLayout ports = PortLayout.parse(work.resolve("vm").toString(), PortNames.DATA_FORMAT);
        PortFiles.make(ports, cpus.stream().max().orElse(0) + 1, null);
        out.printf("demo: ports made as 'virtio-trace setup --cpus %d %s' makes them%n", cpus.size(), ports.dir());
        DemoAgent agent;
        try {
            agent = DemoAgent.start(launcher, inst, ports.dir(), work.resolve("agent.log"), AGENT_READY);
        } catch (ExitException e) {
            System.err.println("virtio-trace demo: error: " + e.getMessage());
            return e.exit();
        }
        out.printf("demo: the agent (%s) plays the guest on them, tracing %s (sched, timer, irq events)%n", launcher,
                inst.dir());
        Path dat = output != null ? output : work.resolve("demo.dat");
        Path raw = work.resolve("raw");
        AtomicBoolean loading = new AtomicBoolean(true);
        Thread load = markers(inst, loading);
        TraceDatFormat format = fileFormat.format();
        out.printf("demo: virtio-trace record %s -o %s --duration %d%s%n", ports.dir(), dat, seconds,
                format.compressed() ? " --compress " + format.compression()
                        : format.version() != 6 ? " --file-version " + format.version() : "");
        Summary summary;
        try {
            RecordOptions plain = new RecordOptions(ports, dat, raw, null, Duration.ofSeconds(seconds), 5000, false, null);
            summary = new Recorder(new RecordOptions(plain.ports(), dat, raw, null, plain.duration(), 5000, false, null,
                    plain.timeline(), plain.guest(), format, RecordOptions.Bounds.NONE), Native.get()).run();
        } catch (ExitException e) {
            System.err.println("virtio-trace demo: error: " + e.getMessage());
            return Exit.SOFTWARE;
        } finally {
            loading.set(false);
            load.join();
        }
        String choice;
        try {
            choice = DemoHostChoice.run(ports);
        } finally {
            agent.stop();
        }
        summary.lines().forEach(l -> out.println("  " + l));
        out.println(choice);
        long kernelRead = 0;
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            kernelRead += inst.stats(cpu).readEvents();
        }
        Decoded d = DemoDecoding.decode(dat, raw, cpus);
        out.printf("demo: %s decodes %d events of %s; the kernel handed out %d%n", d.reader(), d.count(), dat,
                kernelRead);
        d.sample().forEach(l -> out.println("  " + l));
        boolean ok = summary.exit() == Exit.OK && d.count() == kernelRead && agent.exitedCleanly();
        if (!agent.exitedCleanly()) {
            out.println("demo: the agent did not exit 0 on SIGTERM: " + agent.describeExit());
        }
        out.println(ok ? "demo: OK - every event the kernel handed out is in the trace.dat, decoded"
                : "demo: FAILED - see above");
        return ok ? Exit.OK : Exit.SOFTWARE;
    }

    /** What a reader made of the file: how many events, and a few of them. */
    record Decoded(String reader, long count, List<String> sample) {
    }

    private static Thread markers(TraceInstance inst, AtomicBoolean loading) {
        Thread t = new Thread(() -> {
            int i = 0;
            while (loading.get()) {
                try {
                    inst.mark("virtio-trace demo tick " + i++);
                    Thread.sleep(10);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "demo-load");
        t.start();
        return t;
    }

    static List<String> first(List<String> lines, int n) {
        return new ArrayList<>(lines.subList(0, Math.min(n, lines.size())));
    }
}
