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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;
import org.virtiotrace.testkit.guest.AgentSession;
import org.virtiotrace.testkit.guest.QemuGuest;

/**
 * {@code virtio-trace record} against a real QEMU guest (TCG, 2 vCPUs, the guest agent or a
 * stand-in for the kernel's C trace-agent inside), decoded by the real trace-cmd. The guest
 * traces sched and timer events: hrtimer_start's function= is a kernel symbol, which only
 * the guest's kallsyms can name. One boot, its ports over pipes and over unix sockets; each
 * check starts its own agent in it.
 */
@Tag("guest")
class RecordInGuestTest {
    private static final int CPUS = 2;
    private static final String EVENTS = "sched timer";
    private static final Pattern COMM = Pattern.compile("^\\s*(.+?)-(\\d+)\\s+\\[\\d{3}\\]");
    private static final Pattern HRTIMER_FN = Pattern.compile("hrtimer_start:.*\\bfunction=(\\S+)");
    private static QemuGuest guest;

    @BeforeAll
    static void boot() throws Exception {
        guest = QemuGuest.busybox(Path.of("target/guest-record").toAbsolutePath(), CPUS, true);
    }

    @AfterAll
    static void powerOff() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }

    private static String fifos() {
        return guest.fifoDir().toString();
    }

    @Test
    void record_over_fifos_decodes_every_event_the_guest_kernel_handed_out() throws Exception {
        AgentSession s = guest.startAgent("fifos", Map.of("EVENTS", EVENTS));
        CollectorRun.Result r = CollectorRun.run(s.dir(), "record", fifos(), "-o", s.dir().resolve("guest.dat").toString(),
                "--raw", s.dir().resolve("raw").toString(), "--duration", "4", "--no-progress");
        assertEquals(0, s.stop(), s.all());
        assertEquals(0, r.exit(), "virtio-trace record\n" + r.stderr() + s.all());
        Matcher ms = Pattern.compile("metadata in (\\d+) ms").matcher(r.stderr());
        assertTrue(ms.find(), "no metadata figure in the summary" + s.all());
        System.out.println("record over FIFOs under TCG: metadata in " + ms.group(1) + " ms, record took "
                + r.millis() + " ms");

        assertDecodesWithTheGuestsNames(s, s.dir().resolve("guest.dat"), kallsymsNames(s.dir().resolve("raw/kallsyms")));
    }

    @Test
    void a_recording_compressed_as_it_comes_decodes_with_the_guests_names_and_symbols() throws Exception {
        AgentSession s = guest.startAgent("zstd", Map.of("EVENTS", EVENTS));
        Path dat = s.dir().resolve("guest.dat");
        CollectorRun.Result r = CollectorRun.run(s.dir(), "record", fifos(), "-o", dat.toString(), "--duration", "4",
                "--no-progress", "--compress", "zstd");
        assertEquals(0, s.stop(), s.all());
        assertEquals(0, r.exit(), "virtio-trace record --compress zstd\n" + r.stderr() + s.all());
        assertTrue(r.stderr().contains("(trace.dat v7, zstd, "), r.stderr());
        // the guest's kallsyms as the file carries it: the host's own would not name the guest's functions
        TraceCmd.Run k = TraceCmd.run("dump", "--kallsyms", "-i", dat.toString());
        assertEquals(0, k.exit(), k.err());
        Set<String> symbols = k.out().stream().map(l -> l.strip().split("\\s+")).filter(f -> f.length >= 3)
                .map(f -> f[2]).collect(Collectors.toSet());
        assertTrue(symbols.size() > 10_000, "the file's kallsyms: " + symbols.size() + " names");
        assertDecodesWithTheGuestsNames(s, dat, symbols);
    }

    /**
     * trace-cmd report of {@code dat} holds every event the guest's kernel handed out, named with
     * the guest's comm names, and its timer functions resolve to names in {@code symbols}.
     */
    private static void assertDecodesWithTheGuestsNames(AgentSession s, Path dat, Set<String> symbols)
            throws Exception {
        TraceCmd.Run report = TraceCmd.report(dat);
        assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
        List<String> events = report.events();
        assertEquals(s.readEventsDelta(), events.size(),
                "events in the trace.dat vs the events the guest kernel handed out (read events)" + s.all());

        Set<String> comms = events.stream().map(COMM::matcher).filter(Matcher::find).map(m -> m.group(1))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(comms.contains("bash") && comms.contains("cpu0-pump"),
                "the guest's comm names (the load's bash, the agent's pump threads), got " + comms);

        List<String> functions = events.stream().map(HRTIMER_FN::matcher).filter(Matcher::find)
                .map(m -> m.group(1).replaceFirst("[+/].*$", "")).toList();
        assertFalse(functions.isEmpty(), "no hrtimer_start event: the test proves nothing");
        List<String> unknown = functions.stream().filter(f -> !symbols.contains(f)).distinct().toList();
        assertEquals(List.of(), unknown, "hrtimer_start functions the guest's kallsyms does not name");
    }

    @Test
    void record_over_unix_sockets_works_the_same_and_finds_qemus_vcpu_threads() throws Exception {
        // the same guest's second set of ports: sock-NAME in the guest, unix sockets NAME on the host
        AgentSession s = guest.startAgent("sockets", Map.of("EVENTS", EVENTS), "--ctl-port", "sock-agent-ctl-path",
                "--port-name", "sock-trace-path-cpu%d");
        CollectorRun.Result r = CollectorRun.run(s.dir(), "record", "unix:" + guest.socketDir(),
                "-o", s.dir().resolve("guest.dat").toString(), "--duration", "4", "--no-progress",
                "--session", s.dir().resolve("guest.vtlog").toString(),
                "--host", s.dir().resolve("host.dat").toString(), "--host-events", "sched/sched_switch");
        assertEquals(0, s.stop(), s.all());
        assertEquals(0, r.exit(), "virtio-trace record\n" + r.stderr() + s.all());
        assertTrue(r.stderr().matches("(?s).*guest \\S+: vCPU threads \\[\\d+, \\d+\\].*"),
                "the host file names the guest's vCPU threads (QEMU holds the sockets)\n" + r.stderr());
        TraceCmd.Run report = TraceCmd.report(s.dir().resolve("guest.dat"));
        assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
        assertEquals(s.readEventsDelta(), report.events().size(),
                "events in the trace.dat vs the events the guest kernel handed out (read events)" + s.all());
        assertReplaysToTheSameFile(s.dir().resolve("guest.vtlog"), s.dir().resolve("guest.dat"));
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
        AgentSession s = guest.startAgent("c-agent", Map.of("EVENTS", EVENTS, "AGENT", "cstandin"));
        Path dat = s.dir().resolve("guest.dat");
        CollectorRun.Result r = CollectorRun.run(s.dir(), "record", fifos(), "-o", dat.toString(),
                "--duration", "4", "--answer-timeout", "3000", "--no-progress");
        assertEquals(0, s.stop(), s.all());
        assertEquals(4, r.exit(), "no agent answered and no --meta\n" + r.stderr() + s.all());
        assertEquals(1, r.lines().stream().filter(l -> l.contains("export-meta")).count(),
                "one line telling the user about export-meta\n" + r.stderr());
        assertFalse(Files.exists(dat), "a trace.dat without metadata");
        for (int cpu = 0; cpu < CPUS; cpu++) {
            Path raw = s.dir().resolve("guest.dat.raw/cpu" + cpu + ".raw");
            assertTrue(Files.exists(raw), raw + " missing" + s.all());
            long size = Files.size(raw);
            assertTrue(size > 0 && size % QemuGuest.PAGE == 0, raw + ": " + size + " bytes, not whole pages");
        }
    }

    @Test
    void the_c_agent_with_exported_metadata_gives_a_trace_dat() throws Exception {
        // export-meta runs in the guest before the stand-in starts: ~17 s more under TCG
        AgentSession s = guest.startAgent("c-agent-meta", Map.of("EVENTS", EVENTS, "AGENT", "cstandin",
                "EXPORT_META", "meta"));
        CollectorRun.Result r = CollectorRun.run(s.dir(), "record", fifos(), "-o", s.dir().resolve("guest.dat").toString(),
                "--meta", s.dir().resolve("meta").toString(), "--duration", "4", "--no-progress",
                "--session", s.dir().resolve("guest.vtlog").toString());
        assertEquals(0, s.stop(), s.all());
        assertEquals(0, r.exit(), "virtio-trace record --meta\n" + r.stderr() + s.all());
        TraceCmd.Run report = TraceCmd.report(s.dir().resolve("guest.dat"));
        assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
        assertFalse(report.events().isEmpty(), "no events in the trace.dat" + s.all());
        assertReplaysToTheSameFile(s.dir().resolve("guest.vtlog"), s.dir().resolve("guest.dat"));
    }

    @Test
    void killing_the_guest_agent_midway_still_gives_a_valid_file() throws Exception {
        AgentSession s = guest.startAgent("agent-killed", Map.of("EVENTS", EVENTS, "KILL_AFTER", "2"));
        CollectorRun record = CollectorRun.start(s.dir(), "record", fifos(), "-o",
                s.dir().resolve("guest.dat").toString(), "--duration", "6", "--no-progress");
        // The guest kills the agent KILL_AFTER s after host-started, made when the agent logs
        // the start order: the kill lands 2 s into the 6 s of tracing (under TCG with the
        // marker load the metadata alone takes 3-7 s).
        while (record.isAlive() && !s.log().contains("start order")) {
            Thread.sleep(50);
        }
        s.hostStarted();
        CollectorRun.Result r = record.await();
        assertEquals(137, s.stop(), "the agent's exit: SIGKILL" + s.all());
        assertTrue(Files.exists(s.dir().resolve("agent-killed")), "the agent was not killed while recording" + s.all());
        // With pipe chardevs QEMU holds the host FIFOs open, so the agent's death never reaches
        // the host as end of file; the ports go quiet, and the final update goes unanswered:
        // that is how the collector knows, and says so (exit 8, incomplete).
        assertEquals(8, r.exit(), "virtio-trace record after the agent died\n" + r.stderr() + s.all());
        assertTrue(r.stderr().contains("the agent or the guest went away"), r.stderr());
        assertTrue(r.stderr().contains("last data"), r.stderr());
        TraceCmd.Run report = TraceCmd.report(s.dir().resolve("guest.dat"));
        assertEquals(0, report.exit(), "trace-cmd report: " + report.err());
        assertFalse(report.events().isEmpty(), "no events in the trace.dat" + s.all());
    }

    private static Set<String> kallsymsNames(Path kallsyms) throws Exception {
        try (var lines = Files.lines(kallsyms)) {
            return lines.map(l -> l.split("\\s+")).filter(f -> f.length >= 3).map(f -> f[2])
                    .collect(Collectors.toSet());
        }
    }
}
