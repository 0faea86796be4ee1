package org.virtiotrace.host.longrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * A host-side flight recorder: --max-size keeps the newest pages per CPU, --until-marker stops on
 * the guest's own marker. The agent on this machine plays the guest (private instance, FIFO
 * ports) under the rig's marker load; trace-cmd reads every file.
 */
class BoundedRecordingTest extends HostRigPerTest {
    private static final Pattern TIME = Pattern.compile("\\]\\s+(\\d+\\.\\d+):");
    private static final Pattern CPU_DATA = Pattern.compile("(\\d+)\\s+(\\d+)\\s+\\[offset, size of cpu (\\d+)\\]");

    private static double time(String reportLine) {
        Matcher m = TIME.matcher(reportLine);
        assertTrue(m.find(), reportLine);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void max_size_keeps_at_most_that_much_of_the_newest_pages_per_cpu_and_a_marker_written_before_the_stop()
            throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = MarkedStop.record(rig, "vt-last-words", "-o", dat.toString(), "--max-size", "4M");
        loading.set(false);

        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().stream().anyMatch(l -> l.contains("vt-last-words")), "the marker just before the stop");
        List<String> cpuLines = rec.stderr().lines().filter(l -> l.matches("virtio-trace: cpu\\d+: .*")).toList();
        assertEquals(rig.cpus, cpuLines.size(), rec.stderr());
        assertTrue(cpuLines.stream().anyMatch(l -> l.matches(".*kept the newest 1024 pages \\(4\\.0 MiB\\), dropped "
                + "[1-9]\\d*, from .*")), "some CPU filled its 4 MiB and dropped the oldest: " + rec.stderr());
        TraceCmd.Run fly = TraceCmd.run("dump", "--flyrecord", "-i", dat.toString());
        assertEquals(0, fly.exit(), fly.err());
        Matcher m = CPU_DATA.matcher(fly.text());
        int seen = 0;
        while (m.find()) {
            seen++;
            assertTrue(Long.parseLong(m.group(2)) <= 4L << 20, "a CPU's pages over 4 MiB: " + m.group());
        }
        assertTrue(seen > 0, "trace-cmd dump --flyrecord lists each CPU's data: " + fly.text());
        assertTrue(Files.size(dat) <= rig.cpus * (4L << 20) + (16L << 20), "the file: " + Files.size(dat));
        try (var left = Files.list(rig.work)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".virtio-trace-")), "spool removed");
        }
    }

    @Test
    void until_marker_stops_after_the_given_seconds_and_the_file_holds_the_marker() throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--until-marker", "BUG-42", "--after", "1", "--duration", "60");
        Thread.sleep(2000);
        rig.instance.mark("not the one: BUG-4 only");
        Thread.sleep(300);
        assertTrue(rec.isAlive(), "a marker without the text does not stop it: " + rec.stderr());
        rig.instance.mark("the guest saw BUG-42 here");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        loading.set(false);
        assertTrue(rec.stderr().matches("(?s).*stopped 1\\.\\d s after the marker 'BUG-42' arrived: cpu\\d at \\d+\\.\\d{6}.*"),
                rec.stderr());

        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        String marker = r.out().stream().filter(l -> l.contains("BUG-42 here")).findFirst().orElseThrow(
                () -> new AssertionError("the marker is in the file"));
        double last = r.events().stream().mapToDouble(BoundedRecordingTest::time).max().orElseThrow();
        double after = last - time(marker);
        assertTrue(after >= 0.9 && after <= 1.5, "the trace goes on " + after + " s past the marker (--after 1, "
                + "within 0.5 s)");
    }

    @Test
    void until_marker_sees_the_guests_top_level_marker_when_the_host_chose_the_events() throws Exception {
        Path top = org.virtiotrace.core.tracefs.TracefsLocator.DEFAULT_MOUNT;
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(top.resolve("options/copy_trace_marker")),
                "this kernel cannot copy top-level markers into an instance (6.17 and later can)");
        rig.startAgent();
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "-e", "sched_switch", "--until-marker",
                "vt-top-" + ProcessHandle.current().pid(), "--after", "0.5", "--duration", "60");
        Path made = null;
        for (long end = System.nanoTime() + 30_000_000_000L; made == null && System.nanoTime() < end; ) {
            try (var s = Files.list(top.resolve("instances"))) {
                made = s.filter(p -> p.getFileName().toString().startsWith("virtio-trace-agent-")).findFirst().orElse(null);
            }
            Thread.sleep(20);
        }
        assertTrue(made != null, "the agent's instance: " + rec.stderr());
        Thread.sleep(1500);
        assertEquals("1", Files.readString(made.resolve("options/copy_trace_marker")).strip(),
                "the agent's instance takes the top-level markers");
        Files.writeString(top.resolve("trace_marker"), "vt-top-" + ProcessHandle.current().pid() + " seen");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        assertTrue(rec.stderr().contains("after the marker 'vt-top-"), rec.stderr());
        assertTrue(TraceCmd.report(dat).out().stream().anyMatch(l -> l.contains("vt-top-")), "the marker is in the file");
    }

    @Test
    void max_size_with_a_session_log_is_refused_in_one_line() throws Exception {
        Proc rec = rig.record("-o", rig.work.resolve("x.dat").toString(), "--max-size", "4M", "--session",
                rig.work.resolve("x.vtlog").toString());
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        assertTrue(rec.stderr().lines().findFirst().orElse("").contains("--max-size does not go with --session"),
                rec.stderr());
    }

    @Test
    void a_size_that_is_not_one_is_refused() throws Exception {
        Proc rec = rig.record("-o", rig.work.resolve("x.dat").toString(), "--max-size", "lots");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        assertTrue(rec.stderr().contains("--max-size lots: a size is a number with K, M or G"), rec.stderr());
    }
}
