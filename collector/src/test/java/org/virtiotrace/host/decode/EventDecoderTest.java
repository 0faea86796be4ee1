package org.virtiotrace.host.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.testkit.InstancePages;

/** The demo's fallback reader against the kernel's own counts, on real pages. */
class EventDecoderTest {
    @TempDir
    Path tmp;

    @Test
    void reads_every_event_the_kernel_handed_out_and_the_markers_text() throws Exception {
        CpuList cpus = CpuList.online();
        try (TraceInstance inst = TraceInstance.create(TracefsLocator.DEFAULT_MOUNT, "vt-dec-" + ProcessHandle.current().pid())) {
            inst.enableEvents("sched/sched_switch");
            for (int i = 0; i < 200; i++) {
                inst.mark("decoder " + i);
            }
            List<Path> pages = InstancePages.drain(inst, cpus, tmp);
            FileSet meta = new TraceMetadata(inst.tracefs(), cpus, inst.tracefs().subBufferSize()).meta();
            EventDecoder dec = new EventDecoder(meta, PageFormat.local(inst.tracefs().subBufferSize()));
            long events = 0;
            long read = 0;
            boolean sawLast = false;
            for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
                var list = dec.decode(cpu, Files.readAllBytes(pages.get(cpu)));
                events += list.size();
                read += inst.stats(cpu).readEvents();
                sawLast |= list.stream().anyMatch(e -> e.name().equals("print") && e.text().equals("decoder 199"));
                for (int i = 1; i < list.size(); i++) {
                    assertTrue(list.get(i).timestampNs() >= list.get(i - 1).timestampNs(), "time goes forward");
                }
            }
            assertEquals(read, events);
            assertTrue(sawLast, "the last marker's text");
        }
    }
}
