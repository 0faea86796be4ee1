package org.virtiotrace.host.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.sync.CpuClocks;
import org.virtiotrace.host.sync.SyncFile;
import org.virtiotrace.host.testing.CausalMarks;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * Host and guest on one timeline, on this machine: the "guest" is the agent on a private
 * instance (local clock), the host trace another instance (mono clock) of the same kernel, so
 * one thread can write markers to both in a known order and the merged files must keep it.
 */
class TimelineTest extends HostRigPerTest {
    private static Optional<Path> hostInstance() throws Exception {
        try (Stream<Path> s = Files.list(TracefsLocator.DEFAULT_MOUNT.resolve("instances"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("virtio-trace-host-")).findFirst();
        }
    }

    @Test
    void markers_written_in_order_to_guest_then_host_then_guest_stay_in_order_in_the_merged_report()
            throws Exception {
        rig.startAgent();
        Path guest = rig.work.resolve("guest.dat");
        Path host = rig.work.resolve("host.dat");
        Proc rec = rig.record("-o", guest.toString(), "--host", host.toString(), "--host-events",
                "sched/sched_switch", "--duration", "3");
        CausalMarks marks = CausalMarks.start("vt-causal", rig.instance, rig.instance, loading::get,
                rec.pid());
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        loading.set(false);
        TraceCmd.Run merged = TraceCmd.run("report", "-t", "-i", host.toString(), "-i", guest.toString());
        assertEquals(0, merged.exit(), merged.err());
        Map<Integer, double[]> triples = marks.triples(merged.out());
        long whole = triples.values().stream().filter(t -> !Double.isNaN(t[0] + t[1] + t[2])).count();
        assertTrue(whole >= 50, "triples in both files: " + whole + "; marking ended with " + marks.failure() + "; "
                + rec.stderr());
        double bound = SyncFile.read(SyncFile.beside(guest)).samples().stream()
                .mapToLong(x -> x.bound()).max().orElseThrow() / 1e9;
        assertTrue(bound < 0.002, "the reported bound is under the 2 ms spacing: " + bound);
        for (Map.Entry<Integer, double[]> e : triples.entrySet()) {
            double[] t = e.getValue();
            if (Double.isNaN(t[0] + t[1] + t[2])) {
                continue;
            }
            String said = "triple " + e.getKey() + ": guest A " + t[0] + ", host B " + t[1] + ", guest C " + t[2]
                    + ", bound " + bound;
            // every triple: the merged times err by no more than the reported bound
            assertTrue(t[1] - t[0] >= -bound && t[2] - t[1] >= -bound, "beyond the bound: " + said);
            if (e.getKey() % 2 == 0) {
                // 2 ms apart, more than the bound: the merge must keep the causal order
                assertTrue(t[0] < t[1] && t[1] < t[2], "out of causal order after the merge: " + said);
            }
        }
        assertTrue(merged.out().stream().anyMatch(l -> l.contains("virtio-trace: agent-ctl-path <- 1")),
                "the host trace marks the start order");
        String options = String.join("\n", TraceCmd.run("dump", "--options", host.toString()).out());
        // no QEMU runs the "guest" here: its vCPU threads are unknown, so no GUEST option, said so
        assertTrue(options.contains("TRACEID") && !options.contains("GUEST"), options);
        assertTrue(rec.stderr().contains("no GUEST option for " + rig.ports.getFileName()), rec.stderr());
    }

    @Test
    void record_reports_the_clock_sync_and_sync_report_shows_every_sample() throws Exception {
        rig.startAgent();
        Path guest = rig.work.resolve("guest.dat");
        Proc rec = rig.record("-o", guest.toString(), "--duration", "3", "--sync-probes", "8");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().matches("(?s).*clock sync: guest local clock \\(read by marker\\) -> host "
                + "CLOCK_MONOTONIC: [4-6] samples of 8 probes.*error bound: median .*drift .* ppm.*"), rec.stderr());
        long probes = Files.readAllLines(SyncFile.beside(guest)).stream().filter(l -> l.startsWith("probe ")).count();
        Proc report = rig.track(Proc.virtioTrace("sync-report", guest.toString(), "--samples"));
        assertEquals(0, report.waitFor(Duration.ofSeconds(30)), report.stderr());
        List<String> lines = report.stdout().lines().toList();
        assertTrue(lines.get(0).contains(probes + " samples of 8 probes"), report.stdout());
        assertEquals(probes, lines.stream().filter(l -> l.matches(" +[0-9]+\\.[0-9]{3} .* [0-9]+/[0-9]+ *")).count(),
                report.stdout());
        TraceCmd.Run opts = TraceCmd.run("dump", "--options", guest.toString());
        assertTrue(opts.out().stream().anyMatch(l -> l.startsWith(probes + " [samples count for CPU " + (rig.cpus - 1))),
                "TIME_SHIFT has every sample for every CPU: " + opts.out());
    }

    @Test
    void probes_unanswered_mid_trace_are_reported_as_a_gap_and_tracing_goes_on() throws Exception {
        Proc agent = rig.startAgent();
        Path guest = rig.work.resolve("guest.dat");
        Proc rec = rig.record("-o", guest.toString(), "--duration", "6");
        agent.awaitStderr("start order: tracing", Duration.ofSeconds(30));
        Thread.sleep(1200);
        agent.signal("STOP");
        Thread.sleep(2500);
        agent.signal("CONT");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().matches("(?s).*clock sync resumed after [0-9.]+ ms without samples \\(no answer to "
                + "\\?clock within [0-9]+ ms\\).*"), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(guest);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.events().size() > 0);
    }

    @Test
    void with_date_the_times_are_the_hosts_wall_clock() throws Exception {
        rig.startAgent();
        Path guest = rig.work.resolve("guest.dat");
        long before = System.currentTimeMillis() / 1000;
        Proc rec = rig.record("-o", guest.toString(), "--duration", "2", "--date");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        long after = System.currentTimeMillis() / 1000;
        TraceCmd.Run r = TraceCmd.report(guest, "-F", "raw_data: id == 0x56544842");
        List<Double> times = r.out().stream().map(l -> Pattern.compile("\\] (\\d+\\.\\d+):").matcher(l))
                .filter(Matcher::find).map(m -> Double.parseDouble(m.group(1))).toList();
        assertTrue(!times.isEmpty(), r.out().toString());
        for (double t : times) {
            assertTrue(t >= before - 1 && t <= after + 1, "a heartbeat at " + t + ", recorded between " + before
                    + " and " + after + " (seconds since the epoch)");
        }
    }

    @Test
    void every_cpus_stream_carries_heartbeats_and_none_is_named_missing() throws Exception {
        rig.startAgent();
        Path guest = rig.work.resolve("guest.dat");
        Proc rec = rig.record("-o", guest.toString(), "--duration", "3");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        for (int cpu = 0; cpu < rig.cpus; cpu++) {
            assertTrue(rec.stderr().matches("(?s).*cpu" + cpu + ": [^\\n]*heartbeats up to [2-9].*"), rec.stderr());
        }
        assertTrue(!rec.stderr().contains("heartbeats stopped"), rec.stderr());
        TraceCmd.Run beats = TraceCmd.report(guest, "-F", "raw_data: id == 0x56544842");
        for (int cpu = 0; cpu < rig.cpus; cpu++) {
            String tag = String.format("[%03d]", cpu);
            long n = beats.out().stream().filter(l -> l.contains(tag) && l.contains("raw_data:")).count();
            assertTrue(n >= 3 && n <= 5, "cpu" + cpu + ": " + n + " heartbeats in 3 s");
        }
    }

    @Test
    void each_cpus_clock_is_measured_from_its_heartbeats_and_time_shift_follows_it() throws Exception {
        rig.startAgent();
        Path guest = rig.work.resolve("guest.dat");
        Proc rec = rig.record("-o", guest.toString(), "--duration", "3");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        SyncFile.Contents sync = SyncFile.read(SyncFile.beside(guest));
        assertEquals(rig.cpus, sync.cpuClocks().size(), "every CPU measured: " + sync.cpuClocks());
        assertTrue(sync.cpuClocksApplied(), "local is kept per CPU: TIME_SHIFT follows each");
        for (CpuClocks.CpuClock c : sync.cpuClocks()) {
            // one kernel on one TSC: the CPUs' local clocks agree, and what is left is the time
            // between a heartbeat's stamp and its write (a misread field or sign is milliseconds off)
            assertTrue(c.beats() >= 1 && Math.abs(c.offsetNs()) < 1_000_000, c.toString());
        }
        assertTrue(rec.stderr().contains("each CPU's clock from its heartbeats"), rec.stderr());
        System.out.println("CPU clocks from heartbeats on this machine: " + sync.cpuClocks());
    }

    @Test
    void the_heartbeat_counter_is_read_and_set_over_the_control_port_and_logged_on_both_sides() throws Exception {
        Proc agent = rig.startAgent();
        Proc read = rig.track(Proc.virtioTrace("heartbeat", rig.ports.toString()));
        assertEquals(0, read.waitFor(Duration.ofSeconds(30)), read.stderr());
        long before = Long.parseLong(read.stdout().strip());
        assertTrue(read.stderr().contains("heartbeat: read " + before), read.stderr());
        Proc set = rig.track(Proc.virtioTrace("heartbeat", rig.ports.toString(), "--set", "1000"));
        assertEquals(0, set.waitFor(Duration.ofSeconds(30)), set.stderr());
        assertEquals("1000", set.stdout().strip());
        agent.awaitStderr("the host set the counter to 1000", Duration.ofSeconds(5));
        assertTrue(agent.stderr().contains("the host read the counter: " + before), agent.stderr());
        Proc again = rig.track(Proc.virtioTrace("heartbeat", rig.ports.toString()));
        assertEquals(0, again.waitFor(Duration.ofSeconds(30)), again.stderr());
        long after = Long.parseLong(again.stdout().strip());
        assertTrue(after >= 1000 && after <= 1002, "counts on from the value set: " + after);
    }

    @Test
    void an_unknown_host_event_is_refused_in_one_line_before_the_guest_is_touched() throws Exception {
        Proc agent = rig.startAgent();
        Proc rec = rig.record("-o", rig.work.resolve("g.dat").toString(), "--host", rig.work.resolve("h.dat")
                .toString(), "--host-events", "sched,no_such_system", "--duration", "1");
        assertEquals(Exit.HOST_TRACE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        List<String> lines = rec.stderr().lines().toList();
        assertEquals(1, lines.size(), rec.stderr());
        assertTrue(lines.get(0).contains("--host-events") && lines.get(0).contains("no_such_system"), lines.get(0));
        Thread.sleep(300);
        assertTrue(!agent.stderr().contains("request") && !agent.stderr().contains("start order"), agent.stderr());
        assertTrue(hostInstance().isEmpty(), "no host instance left behind");
    }
}
