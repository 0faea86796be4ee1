package org.virtiotrace.host.tracedat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.LongUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.host.tracedat.TimeOptions.Sample;
import org.virtiotrace.testkit.InstancePages;
import org.virtiotrace.testkit.OnCpu;
import org.virtiotrace.testkit.TraceCmd;

/**
 * The timeline options (TRACEID, GUEST, TIME_SHIFT) as the real trace-cmd applies them: the
 * same pages written with and without them, and every event's time compared.
 */
class TimeOptionsTest {
    private static final Pattern EVENT = Pattern.compile("\\[(\\d{3})\\]\\s+(\\d+)\\.(\\d{9}):");
    private static final long S = 1_000_000_000L;

    @TempDir
    Path tmp;
    private TraceInstance instance;
    private final CpuList cpus = CpuList.parse("0-" + (Runtime.getRuntime().availableProcessors() - 1));
    private TraceDatHeader header;
    private List<CpuData> pages;

    @BeforeEach
    void pages() throws Exception {
        instance = TraceInstance.create(TracefsLocator.DEFAULT_MOUNT, "vt-time-" + ProcessHandle.current().pid());
        instance.bufferSizeKb(512);
        instance.enableEvents("sched/sched_switch");
        // every CPU gets events of its own: a CPU the scheduler left idle would prove nothing
        for (int cpu : (Iterable<Integer>) cpus.stream()::iterator) {
            OnCpu.run(cpu, () -> {
                for (int i = 0; i < 100; i++) {
                    instance.mark("tick " + i);
                    Thread.sleep(1);
                }
            });
        }
        pages = InstancePages.drain(instance, cpus, tmp).stream().map(p -> p == null ? null : CpuData.of(p)).toList();
        FileSet set = new TraceMetadata(instance.tracefs(), cpus, instance.tracefs().subBufferSize()).meta();
        Properties info = TraceMetadata.parseInfo(set.text(TraceMetadata.INFO).orElseThrow());
        header = TraceDatHeader.from(set, info, cpus.stream().max().getAsInt() + 1);
    }

    @AfterEach
    void remove() throws IOException {
        instance.close();
    }

    private Path write(String name, TimeOptions t) throws IOException {
        Path out = tmp.resolve(name);
        TraceDatWriter.write(out, header.withTime(t), pages);
        return out;
    }

    /** Per CPU, the times (ns) of its events in order, as trace-cmd prints them for {@code file}. */
    private static List<List<Long>> times(TraceCmd.Run r, String prefix) {
        List<List<Long>> perCpu = new ArrayList<>();
        for (String l : r.out()) {
            if (prefix != null && !l.trim().startsWith(prefix)) {
                continue;
            }
            Matcher m = EVENT.matcher(l);
            if (m.find()) {
                int cpu = Integer.parseInt(m.group(1));
                while (perCpu.size() <= cpu) {
                    perCpu.add(new ArrayList<>());
                }
                perCpu.get(cpu).add(Long.parseLong(m.group(2)) * S + Long.parseLong(m.group(3)));
            }
        }
        return perCpu;
    }

    private static void assertShifted(List<List<Long>> base, List<List<Long>> shifted, int cpu, LongUnaryOperator by) {
        assertEquals(base.get(cpu).size(), shifted.get(cpu).size(), "cpu" + cpu + ": events");
        assertTrue(base.get(cpu).size() > 0, "cpu" + cpu + " has events: the test proves something");
        for (int i = 0; i < base.get(cpu).size(); i++) {
            long t = base.get(cpu).get(i);
            assertEquals(t + by.applyAsLong(t), (long) shifted.get(cpu).get(i), "cpu" + cpu + " event " + i);
        }
    }

    private List<List<Long>> report(Path f) throws Exception {
        TraceCmd.Run r = TraceCmd.report(f, "-t");
        assertEquals(0, r.exit(), r.err());
        return times(r, null);
    }

    @Test
    void a_time_shift_moves_each_cpus_events_by_that_cpus_offset() throws Exception {
        List<List<Sample>> perCpu = new ArrayList<>();
        for (int cpu = 0; cpu < header.cpuCount(); cpu++) {
            long off = (5 + cpu) * S;
            perCpu.add(List.of(new Sample(0, off), new Sample(Long.MAX_VALUE / 4, off)));
        }
        List<List<Long>> base = report(write("base.dat", TimeOptions.NONE));
        List<List<Long>> shifted = report(write("shifted.dat",
                new TimeOptions(null, new TimeOptions.TimeShift(1, true, perCpu), List.of(), null)));
        for (int cpu = 0; cpu < header.cpuCount(); cpu++) {
            long off = (5 + cpu) * S;
            assertShifted(base, shifted, cpu, t -> off);
        }
    }

    @Test
    void between_two_samples_the_offset_is_interpolated() throws Exception {
        List<List<Long>> base = report(write("base.dat", TimeOptions.NONE));
        long t0 = base.get(0).get(0);
        // the peer's clock runs 1 ms per second faster: 0 at t0, +10 ms ten seconds later
        List<Sample> drift = List.of(new Sample(t0, 0), new Sample(t0 + 10 * S, 10_000_000));
        List<List<Sample>> perCpu = new ArrayList<>();
        for (int cpu = 0; cpu < header.cpuCount(); cpu++) {
            perCpu.add(drift);
        }
        List<List<Long>> shifted = report(write("drift.dat",
                new TimeOptions(null, new TimeOptions.TimeShift(1, true, perCpu), List.of(), null)));
        // trace-cmd: offset = a.off + ((t - a.t) * (b.off - a.off) + span / 2) / span, in 64-bit integers
        assertShifted(base, shifted, 0, t -> ((t - t0) * 10_000_000 + 5 * S) / (10 * S));
    }

    @Test
    void a_host_file_and_a_guest_file_merge_into_one_timeline() throws Exception {
        Path host = write("host.dat", new TimeOptions(0x1234L, null,
                List.of(new TimeOptions.Guest("vm1", 0x5678L, List.of(4242, 4243))), null));
        List<List<Sample>> perCpu = new ArrayList<>();
        for (int cpu = 0; cpu < header.cpuCount(); cpu++) {
            perCpu.add(List.of(new Sample(0, 3 * S)));
        }
        Path guest = write("guest.dat", new TimeOptions(0x5678L, new TimeOptions.TimeShift(0x1234L, true, perCpu),
                List.of(), null));
        TraceCmd.Run merged = TraceCmd.run("report", "-t", "-i", host.toString(), "-i", guest.toString());
        assertEquals(0, merged.exit(), merged.err());
        assertTrue(merged.out().stream().anyMatch(l -> l.trim().equals("host.dat: cpus=" + header.cpuCount()))
                && merged.out().stream().anyMatch(l -> l.trim().equals("guest.dat: cpus=" + header.cpuCount())),
                String.join("\n", merged.out().subList(0, Math.min(5, merged.out().size()))));
        List<List<Long>> h = times(merged, "host.dat:");
        List<List<Long>> g = times(merged, "guest.dat:");
        for (int cpu = 0; cpu < header.cpuCount(); cpu++) {
            assertEquals(h.get(cpu).size(), g.get(cpu).size());
            for (int i = 0; i < h.get(cpu).size(); i++) {
                assertEquals(h.get(cpu).get(i) + 3 * S, (long) g.get(cpu).get(i), "the guest's events 3 s later");
            }
        }
        long last = Long.MIN_VALUE;
        for (String l : merged.out()) {
            Matcher m = EVENT.matcher(l);
            if (m.find()) {
                long t = Long.parseLong(m.group(2)) * S + Long.parseLong(m.group(3));
                assertTrue(t >= last, "one timeline, in time order: " + l);
                last = t;
            }
        }
        String hostOptions = String.join("\n", TraceCmd.run("dump", "--options", "-i", host.toString()).out());
        assertTrue(hostOptions.contains("vm1") && hostOptions.contains("0x5678") && hostOptions.contains("4243"),
                hostOptions);
        String guestOptions = String.join("\n", TraceCmd.run("dump", "--options", "-i", guest.toString()).out());
        assertTrue(guestOptions.contains("TimeShift") && guestOptions.contains("0x1234"), guestOptions);
    }

    @Test
    void samples_trace_cmd_cannot_use_are_refused_when_made() {
        assertThrows(IllegalArgumentException.class, () -> new TimeOptions.TimeShift(1, true,
                List.of(List.of(new Sample(0, 1)), List.of())), "a CPU without a sample: trace-cmd divides by zero");
        assertThrows(IllegalArgumentException.class, () -> new TimeOptions.TimeShift(1, true,
                List.of(List.of(new Sample(10, 1), new Sample(5, 1)))), "samples out of order");
        assertThrows(IllegalArgumentException.class, () -> new TimeOptions.TimeShift(1, true,
                List.of(List.of(new Sample(0, 0), new Sample(100 * S, 4 * S)))),
                "100 s x 4 s overflows trace-cmd's 64-bit interpolation");
    }
}
