package org.virtiotrace.agent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.virtiotrace.agent.Agent;
import org.virtiotrace.agent.AgentConfig;
import org.virtiotrace.agent.ExitCodes;
import org.virtiotrace.agent.StartupException;
import org.virtiotrace.agent.cpu.CpuList;
import org.virtiotrace.agent.host.FifoPorts;
import org.virtiotrace.agent.log.Log;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.ring.RingSize;
import org.virtiotrace.agent.tracefs.CpuStats;
import org.virtiotrace.agent.tracefs.PageStream;
import org.virtiotrace.agent.tracefs.TraceInstance;
import org.virtiotrace.agent.tracefs.Tracefs;
import org.virtiotrace.agent.tracefs.TracefsLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The agent's whole job on a machine without virtio ports: FIFOs stand in for the ports,
 * a private trace instance for the system's buffer, and this command plays the host.
 * It checks what arrived the way a host tool would and says whether anything was lost.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Run the agent against this machine's real tracefs with FIFO stand-ins for the ports, "
                + "play the host (orders 1, then 0), and check every page and event that arrived.",
            "Needs root (tracefs). Leaves the system's own trace settings alone: it uses a private instance.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every event arrived in valid pages", "1:something was lost or invalid",
            "3:tracefs unusable", "6:native shim unavailable"})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seconds", defaultValue = "3", description = "How long to trace (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--events", defaultValue = "sched,irq",
            description = "Event groups to enable in the demo instance (default: ${DEFAULT-VALUE}).")
    List<String> events;

    @Option(names = "--save", paramLabel = "DIR", description = "Also write what each port received to DIR/cpuN.raw.")
    Path save;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (!Native.isAvailable()) {
            Log.error("cannot load the native shim: %s", Native.unavailabilityCause());
            return ExitCodes.NATIVE;
        }
        Native nat = Native.get();
        Tracefs top;
        try {
            top = TracefsLocator.locate(null, null, nat);
        } catch (Exception e) {
            Log.error("%s", e.getMessage());
            return ExitCodes.TRACEFS;
        }
        CpuList cpus = CpuList.online();
        String name = "trace-agent-demo-" + ProcessHandle.current().pid();
        try (TraceInstance inst = TraceInstance.create(top.mount(), name);
             FifoPorts host = FifoPorts.create(nat, (Iterable<Integer>) cpus.stream()::iterator, "trace-path-cpu%d")) {
            for (String group : events) {
                for (String g : group.split(",")) {
                    inst.enableEvents(g.trim());
                }
            }
            out.printf("demo: trace instance %s (events: %s), FIFO ports in %s%n", inst.dir(), events, host.dir());
            return run(nat, inst, host, cpus);
        }
    }

    private int run(Native nat, TraceInstance inst, FifoPorts host, CpuList cpus) throws Exception {
        AgentConfig cfg = new AgentConfig(false, 1 << 20, inst.tracefs().mount(), inst.name(), cpus, host.dir(),
                "trace-path-cpu%d", FifoPorts.CTL, AgentConfig.DEFAULT_PAGE_LATENCY_MS, false, RingSize.DEFAULT,
                AgentConfig.DEFAULT_STALL_TIMEOUT_MS, null, AgentConfig.DEFAULT_DUMP_DIR);
        Agent agent;
        try {
            agent = Agent.open(cfg, nat);
        } catch (StartupException e) {
            Log.error("%s", e.getMessage());
            return e.exitCode();
        }
        agent.start();
        List<CpuStats> before = new ArrayList<>();
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            before.add(inst.stats(cpu));
        }
        host.send("1\n");
        out.printf("host: echo 1 > %s, reading %d ports for %d s%n", host.ctlPath(), cpus.size(), seconds);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int tick = 0;
        while (System.nanoTime() < end) {
            inst.mark("trace-agent demo tick " + tick++);
            host.drain(20);
        }
        host.send("0\n");
        host.drainUntilQuiet(300, 3000);
        agent.requestShutdown();
        agent.awaitAndStop();

        int subBuffer = inst.tracefs().subBufferSize();
        boolean ok = true;
        int i = 0;
        out.printf("%-6s %10s %8s %10s %12s %6s  %s%n", "cpu", "bytes", "pages", "events", "kernel-read", "lost",
                "pages valid");
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            byte[] data = host.received(cpu);
            PageStream ps = PageStream.of(data, subBuffer);
            CpuStats after = inst.stats(cpu);
            long kernelRead = after.readEvents() - before.get(i).readEvents();
            long lost = after.lostSince(before.get(i++));
            boolean cpuOk = ps.defects().isEmpty() && ps.events() == kernelRead && lost == 0;
            ok &= cpuOk;
            out.printf("cpu%-3d %10d %8d %10d %12d %6d  %s%n", cpu, data.length, ps.pages().size(), ps.events(),
                    kernelRead, lost, ps.defects().isEmpty() ? "yes" : "NO: " + ps.defects().get(0));
            if (save != null) {
                Files.createDirectories(save);
                Files.write(save.resolve("cpu" + cpu + ".raw"), data);
            }
        }
        out.println(ok ? "demo: OK - every event the kernel handed out arrived once, in valid pages"
                : "demo: FAILED - see the table above");
        return ok ? ExitCodes.OK : ExitCodes.SOFTWARE;
    }

}
