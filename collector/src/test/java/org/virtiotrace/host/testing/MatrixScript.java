package org.virtiotrace.host.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.testkit.InstancePages;
import org.virtiotrace.testkit.OnCpu;

/**
 * A {@link StandInGuest.Script} from this machine: real pages of two CPUs (markers, scheduler
 * switches, timer starts on CLOCK_MONOTONIC), and the metadata the agent would send for them,
 * trimmed to what decodes them (no kallsyms: trace-cmd then prints addresses), so a reply is
 * small and quick to frame.
 */
public final class MatrixScript {
    private MatrixScript() {
    }

    public static StandInGuest.Script record(Path dir) throws Exception {
        Path mount = TracefsLocator.find();
        try (TraceInstance inst = TraceInstance.create(mount, "vt-matrix-" + ProcessHandle.current().pid())) {
            inst.bufferSizeKb(512);
            inst.write("trace_clock", "mono");
            inst.enableEvents("sched/sched_switch");
            inst.enableEvents("timer/hrtimer_start");
            CpuList cpus = CpuList.parse("0-1");
            for (int cpu = 0; cpu < 2; cpu++) {
                int c = cpu;
                OnCpu.run(cpu, () -> {
                    for (int i = 0; i < 3000; i++) {
                        inst.mark("vt-matrix cpu" + c + " " + i);
                    }
                });
            }
            int page = inst.tracefs().subBufferSize();
            TraceMetadata meta = new TraceMetadata(inst.tracefs(), cpus, page);
            String hello = meta.hello();
            FileSet all = meta.meta();
            FileSet update = meta.update();
            List<byte[]> pages = new ArrayList<>();
            for (Path f : InstancePages.drain(inst, cpus, Files.createDirectories(dir))) {
                pages.add(Files.readAllBytes(f));
            }
            FileSet trimmed = new FileSet();
            all.files().forEach((name, bytes) -> {
                boolean event = name.startsWith("events/");
                if (!name.equals(TraceMetadata.KALLSYMS) && (!event || name.startsWith("events/header_")
                        || name.startsWith("events/ftrace/") || name.startsWith("events/sched/")
                        || name.startsWith("events/timer/"))) {
                    trimmed.put(name, bytes);
                }
            });
            return new StandInGuest.Script(hello, trimmed, update, pages, page);
        }
    }
}
