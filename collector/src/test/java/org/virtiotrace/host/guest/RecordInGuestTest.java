package org.virtiotrace.host.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * {@code virtio-trace record} against a real QEMU guest (TCG, 2 vCPUs, the guest agent or a
 * stand-in for the kernel's C trace-agent inside), decoded by the real trace-cmd. The guest
 * traces sched and timer events: hrtimer_start's function= is a kernel symbol, which only
 * the guest's kallsyms can name.
 */
@Tag("guest")
class RecordInGuestTest {
    private static final String EVENTS = "sched timer";
    private static final Duration READY = Duration.ofSeconds(150); // boot ~5 s, agent ~11 s under TCG
    private static final Pattern COMM = Pattern.compile("^\\s*(.+?)-(\\d+)\\s+\\[\\d{3}\\]");
    private static final Pattern HRTIMER_FN = Pattern.compile("hrtimer_start:.*\\bfunction=(\\S+)");

    @Test
    void record_over_fifos_decodes_every_event_the_guest_kernel_handed_out() throws Exception {
        try (GuestRun g = GuestRun.boot("fifos", false, Map.of("EVENTS", EVENTS), READY)) {
            GuestRun.Recording r = g.collect("record", g.work.resolve("fifo").toString(),
                    "-o", g.work.resolve("guest.dat").toString(), "--raw", g.work.resolve("raw").toString(),
                    "--duration", "4", "--no-progress");
            assertEquals(0, g.finish(), "the guest's script" + g.all());
            assertEquals(0, r.exit(), "virtio-trace record" + g.all());
            Matcher ms = Pattern.compile("metadata in (\\d+) ms").matcher(r.stderr());
            assertTrue(ms.find(), "no metadata figure in the summary" + g.all());
            System.out.println("record over FIFOs under TCG: metadata in " + ms.group(1) + " ms, record took "
                    + r.millis() + " ms");

            TraceCmd.Run report = TraceCmd.report(g.work.resolve("guest.dat"));
            assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
            List<String> events = report.events();
            assertEquals(g.readEventsDelta(), events.size(),
                    "events in the trace.dat vs the events the guest kernel handed out (read events)" + g.all());

            Set<String> comms = events.stream().map(COMM::matcher).filter(Matcher::find).map(m -> m.group(1))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertTrue(comms.contains("bash") && comms.contains("guest-agent.sh"),
                    "the guest's comm names (the load's bash, guest-agent.sh), got " + comms);

            Set<String> symbols = kallsymsNames(g.work.resolve("raw/kallsyms"));
            List<String> functions = events.stream().map(HRTIMER_FN::matcher).filter(Matcher::find)
                    .map(m -> m.group(1).replaceFirst("[+/].*$", "")).toList();
            assertFalse(functions.isEmpty(), "no hrtimer_start event: the test proves nothing");
            List<String> unknown = functions.stream().filter(f -> !symbols.contains(f)).distinct().toList();
            assertEquals(List.of(), unknown, "hrtimer_start functions the guest's kallsyms does not name");
        }
    }

    @Test
    void record_over_unix_sockets_works_the_same() throws Exception {
        try (GuestRun g = GuestRun.boot("sockets", true, Map.of("EVENTS", EVENTS), READY)) {
            GuestRun.Recording r = g.collect("record", "unix:" + g.work.resolve("sock"),
                    "-o", g.work.resolve("guest.dat").toString(), "--duration", "4", "--no-progress",
                    "--session", g.work.resolve("guest.vtlog").toString());
            assertEquals(0, g.finish(), "the guest's script" + g.all());
            assertEquals(0, r.exit(), "virtio-trace record" + g.all());
            TraceCmd.Run report = TraceCmd.report(g.work.resolve("guest.dat"));
            assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
            assertEquals(g.readEventsDelta(), report.events().size(),
                    "events in the trace.dat vs the events the guest kernel handed out (read events)" + g.all());
            assertReplaysToTheSameFile(g.work.resolve("guest.vtlog"), g.work.resolve("guest.dat"));
        }
    }

    /** replay --to-dat of the session log gives the trace.dat record wrote, byte for byte. */
    private static void assertReplaysToTheSameFile(Path log, Path dat) throws Exception {
        Path again = dat.resolveSibling("replayed.dat");
        Proc p = Proc.virtioTrace("replay", log.toString(), "--to-dat", again.toString());
        assertEquals(0, p.waitFor(Duration.ofSeconds(120)), p.stderr());
        assertEquals(-1, Files.mismatch(dat, again), "replay --to-dat of " + log + " differs from " + dat);
    }

    @Test
    void an_agent_that_never_answers_gives_raw_streams_and_a_one_line_hint() throws Exception {
        try (GuestRun g = GuestRun.boot("c-agent", false, Map.of("EVENTS", EVENTS, "AGENT", "cstandin"), READY)) {
            Path dat = g.work.resolve("guest.dat");
            GuestRun.Recording r = g.collect("record", g.work.resolve("fifo").toString(), "-o", dat.toString(),
                    "--duration", "4", "--answer-timeout", "3000", "--no-progress");
            assertEquals(0, g.finish(), "the guest's script" + g.all());
            assertEquals(4, r.exit(), "no agent answered and no --meta" + g.all());
            assertEquals(1, r.lines().stream().filter(l -> l.contains("export-meta")).count(),
                    "one line telling the user about export-meta" + g.all());
            assertFalse(Files.exists(dat), "a trace.dat without metadata");
            for (int cpu = 0; cpu < GuestRun.CPUS; cpu++) {
                Path raw = g.work.resolve("guest.dat.raw/cpu" + cpu + ".raw");
                assertTrue(Files.exists(raw), raw + " missing" + g.all());
                long size = Files.size(raw);
                assertTrue(size > 0 && size % GuestRun.PAGE == 0, raw + ": " + size + " bytes, not whole pages");
            }
        }
    }

    @Test
    void the_c_agent_with_exported_metadata_gives_a_trace_dat() throws Exception {
        // export-meta runs in the guest before the stand-in starts: ~17 s more under TCG
        try (GuestRun g = GuestRun.boot("c-agent-meta", false,
                Map.of("EVENTS", EVENTS, "AGENT", "cstandin", "EXPORT_META", "meta"), READY)) {
            GuestRun.Recording r = g.collect("record", g.work.resolve("fifo").toString(),
                    "-o", g.work.resolve("guest.dat").toString(), "--meta", g.work.resolve("meta").toString(),
                    "--duration", "4", "--no-progress", "--session", g.work.resolve("guest.vtlog").toString());
            assertEquals(0, g.finish(), "the guest's script" + g.all());
            assertEquals(0, r.exit(), "virtio-trace record --meta" + g.all());
            TraceCmd.Run report = TraceCmd.report(g.work.resolve("guest.dat"));
            assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
            assertFalse(report.events().isEmpty(), "no events in the trace.dat" + g.all());
            assertReplaysToTheSameFile(g.work.resolve("guest.vtlog"), g.work.resolve("guest.dat"));
        }
    }

    @Test
    void killing_the_guest_agent_midway_still_gives_a_valid_file() throws Exception {
        try (GuestRun g = GuestRun.boot("agent-killed", false, Map.of("EVENTS", EVENTS, "KILL_AFTER", "2"), READY)) {
            long t0 = System.nanoTime();
            Process record = g.startCollector("record", g.work.resolve("fifo").toString(),
                    "-o", g.work.resolve("guest.dat").toString(), "--duration", "6", "--no-progress");
            // The guest kills the agent KILL_AFTER s after host-started, made when the agent logs
            // the start order: the kill lands 2 s into the 6 s of tracing (under TCG with the
            // marker load the metadata alone takes 3-7 s).
            while (record.isAlive() && !g.contains("agent.log", "start order")) {
                Thread.sleep(50);
            }
            g.touch("host-started");
            GuestRun.Recording r = g.awaitCollector(record, t0);
            assertTrue(Files.exists(g.work.resolve("agent-killed")), "the agent was not killed while recording"
                    + g.all());
            assertEquals(0, g.finish(), "the guest's script" + g.all());
            assertEquals("137", g.log("agent-rc").trim(), "the agent's exit: SIGKILL" + g.all());
            // With pipe chardevs QEMU holds the host FIFOs open, so the agent's death never reaches
            // the host as end of file; the ports go quiet, and the final update goes unanswered:
            // that is how the collector knows, and says so (exit 8, incomplete).
            assertEquals(8, r.exit(), "virtio-trace record after the agent died" + g.all());
            assertTrue(r.stderr().contains("the agent or the guest went away"), r.stderr());
            assertTrue(r.stderr().contains("last data"), r.stderr());
            TraceCmd.Run report = TraceCmd.report(g.work.resolve("guest.dat"));
            assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
            assertFalse(report.events().isEmpty(), "no events in the trace.dat" + g.all());
        }
    }

    private static Set<String> kallsymsNames(Path kallsyms) throws Exception {
        try (var lines = Files.lines(kallsyms)) {
            return lines.map(l -> l.split("\\s+")).filter(f -> f.length >= 3).map(f -> f[2])
                    .collect(Collectors.toSet());
        }
    }
}
