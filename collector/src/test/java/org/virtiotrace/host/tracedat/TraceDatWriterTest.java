package org.virtiotrace.host.tracedat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.testkit.InstancePages;
import org.virtiotrace.testkit.TraceCmd;

/**
 * The trace.dat writer against this machine's real tracefs: metadata read by the agent's own
 * code, pages from a private instance, and the real trace-cmd as the judge.
 */
class TraceDatWriterTest {
    @TempDir
    Path tmp;
    private TraceInstance instance;
    private final CpuList cpus = CpuList.parse("0-" + (Runtime.getRuntime().availableProcessors() - 1));

    @BeforeEach
    void instance() throws IOException {
        instance = TraceInstance.create(TracefsLocator.DEFAULT_MOUNT, "vt-dat-" + ProcessHandle.current().pid());
        instance.bufferSizeKb(512);
        instance.enableEvents("sched/sched_switch");
        instance.enableEvents("sched/sched_wakeup");
        instance.enableEvents("timer/hrtimer_start");
    }

    @AfterEach
    void remove() throws IOException {
        instance.close();
    }

    private static List<CpuData> data(List<Path> pages) {
        return pages.stream().map(p -> p == null ? null : CpuData.of(p)).toList();
    }

    private List<Path> drain() throws IOException {
        return InstancePages.drain(instance, cpus, tmp);
    }

    private Path writeDat(List<Path> pages) throws IOException {
        TraceMetadata meta = new TraceMetadata(instance.tracefs(), cpus, instance.tracefs().subBufferSize());
        FileSet set = meta.meta();
        Properties info = TraceMetadata.parseInfo(set.text(TraceMetadata.INFO).orElseThrow());
        Path out = tmp.resolve("trace.dat");
        TraceDatWriter.write(out, TraceDatHeader.from(set, info, cpus.stream().max().getAsInt() + 1), data(pages));
        return out;
    }

    private long readEvents() throws IOException {
        long n = 0;
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            n += instance.stats(cpu).readEvents();
        }
        return n;
    }

    /** The comm of the thread that writes the markers, as the kernel records it. */
    private String markerComm;

    private void load() throws Exception {
        markerComm = Files.readString(Path.of("/proc/thread-self/comm")).trim();
        for (int i = 0; i < 300; i++) {
            instance.mark("marker " + i);
            Thread.sleep(1);
        }
    }

    @Test
    void trace_cmd_report_decodes_every_event_the_kernel_handed_out() throws Exception {
        load();
        List<Path> pages = drain();
        TraceCmd.Run r = TraceCmd.report(writeDat(pages));
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.err().contains("bad page offset"), r.err());
        long events = r.events().size();
        assertEquals(readEvents(), events, "events in the report vs the kernel's read events");
        assertTrue(r.out().stream().anyMatch(l -> l.contains("marker 299")), "the last marker is decoded");
    }

    @Test
    void comm_names_and_kernel_symbols_come_from_the_metadata() throws Exception {
        load();
        TraceCmd.Run r = TraceCmd.report(writeDat(drain()));
        String tid = Path.of("/proc/thread-self").toRealPath().getFileName().toString();
        assertTrue(r.events().stream().anyMatch(l -> l.trim().startsWith(markerComm + "-" + tid + " ")
                && l.contains("marker 5")), "the marker's writer is named by its comm, " + markerComm);
        assertTrue(r.events().stream().anyMatch(l -> l.contains("hrtimer_start") && l.matches(".*function=[a-z_]\\w+.*")),
                "a timer function printed as a symbol");
    }

    @Test
    void dump_summary_and_options_read_cleanly() throws Exception {
        load();
        Path dat = writeDat(drain());
        TraceCmd.Run summary = TraceCmd.run("dump", "--summary", "-i", dat.toString());
        assertEquals(0, summary.exit(), summary.err());
        TraceCmd.Run options = TraceCmd.run("dump", "--options", "-i", dat.toString());
        String all = String.join("\n", options.out());
        assertTrue(all.contains("CPUCOUNT") && all.contains("TRACECLOCK") && all.contains("UNAME")
                && all.contains("CPUSTAT"), all);
        assertEquals(0, options.exit(), options.err());
    }

    @Test
    void report_per_cpu_shows_only_that_cpus_events() throws Exception {
        load();
        Path dat = writeDat(drain());
        TraceCmd.Run cpu0 = TraceCmd.report(dat, "--cpu", "0");
        assertEquals(0, cpu0.exit(), cpu0.err());
        assertTrue(cpu0.events().stream().allMatch(l -> l.contains("[000]")), "only cpu0");
        assertEquals(instance.stats(0).readEvents(), cpu0.events().size());
    }

    @Test
    void a_full_disk_leaves_no_file_behind() throws Exception {
        load();
        List<Path> pages = drain();
        Path small = tmp.resolve("small");
        Files.createDirectories(small);
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small.toString())
                .inheritIO().start();
        assertEquals(0, m.waitFor());
        try {
            TraceMetadata meta = new TraceMetadata(instance.tracefs(), cpus, instance.tracefs().subBufferSize());
            FileSet set = meta.meta();
            Properties info = TraceMetadata.parseInfo(set.text(TraceMetadata.INFO).orElseThrow());
            Path out = small.resolve("trace.dat");
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> TraceDatWriter.write(out, TraceDatHeader.from(set, info, 2), data(pages)));
            assertTrue(e.getMessage().contains("No space left") || e.toString().contains("space"), e.toString());
            try (var s = Files.list(small)) {
                assertEquals(0, s.count(), "nothing left in the directory");
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }
}
