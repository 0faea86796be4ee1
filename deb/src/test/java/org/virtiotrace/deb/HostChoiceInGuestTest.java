package org.virtiotrace.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.virtiotrace.testkit.TraceCmd;
import org.virtiotrace.testkit.guest.QemuGuest;

/**
 * The host chooses what an installed guest traces: the package in a Debian guest under systemd
 * (no event enabled, nop tracer, the packaged defaults; udev starts the service), recorded by the
 * host's virtio-trace with trace-cmd record's options and read by the real trace-cmd. One boot.
 */
@Tag("guest")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostChoiceInGuestTest {
    private static final Pattern EVENT_NAME = Pattern.compile("\\[\\d{3}\\]\\s+\\d+\\.\\d+:\\s+([a-z_0-9]+):");
    private static final String STATE = "cd /sys/kernel/tracing; for f in set_event current_tracer buffer_size_kb "
            + "trace_clock tracing_on set_ftrace_filter set_ftrace_notrace set_graph_function max_graph_depth "
            + "trace_options; do echo \"== $f\"; cat $f; done; echo '== instances'; ls instances";
    private static QemuGuest guest;
    private Path dir;

    @BeforeAll
    static void boot() throws Exception {
        HostCommand.launcher();
        guest = QemuGuest.systemd(QemuGuest.repoRoot().resolve("deb/target/systemd-guest/choice"), 2);
        TraceAgentUnit unit = new TraceAgentUnit(guest);
        Map<String, String> u = unit.await("active", "running", Duration.ofSeconds(180));
        assertEquals("running", u.get("SubState"), "trace-agent.service did not come up: " + u);
    }

    @AfterAll
    static void powerOff() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }

    @BeforeEach
    void freshDir(org.junit.jupiter.api.TestInfo info) throws IOException {
        dir = guest.work().resolve("host-" + info.getTestMethod().orElseThrow().getName());
        Files.createDirectories(dir);
    }

    private HostCommand.Run virtioTrace(String... args) throws IOException, InterruptedException {
        return HostCommand.run(dir, args);
    }

    private HostCommand.Run record(String... more) throws IOException, InterruptedException {
        List<String> a = new java.util.ArrayList<>(List.of("record", guest.fifoDir().toString(), "-o",
                dir.resolve("guest.dat").toString(), "--no-progress"));
        a.addAll(List.of(more));
        if (!a.contains("--duration")) {
            a.addAll(List.of("--duration", "3"));
        }
        return virtioTrace(a.toArray(String[]::new));
    }

    /**
     * The guest's tracefs settings, as a recording must leave them. One thing is rounded, which no
     * recording writes (docs/trace-config.md): the kernel before 6.7 allocates a never-used
     * top-level buffer when any event is enabled anywhere ("7 (expanded: 1408)" becomes "1410").
     */
    private static String state() throws IOException, InterruptedException {
        String s = guest.sh(STATE);
        // the top-level buffer's size, unallocated ("7 (expanded: 1408)") or allocated (1410): its KiB
        // rounded to 16, which the kernel's own page rounding stays within
        Matcher m = Pattern.compile("(?m)^== buffer_size_kb\n(\\d+)(?: \\(expanded: (\\d+)\\))?$").matcher(s);
        if (m.find()) {
            long kb = Long.parseLong(m.group(2) != null ? m.group(2) : m.group(1));
            s = s.substring(0, m.start()) + "== buffer_size_kb\nabout " + (kb + 8) / 16 * 16 + s.substring(m.end());
        }
        return s;
    }

    private static Set<String> names(TraceCmd.Run r) {
        Set<String> n = new TreeSet<>();
        for (String l : r.events()) {
            Matcher m = EVENT_NAME.matcher(l);
            if (m.find()) {
                n.add(m.group(1));
            }
        }
        return n;
    }

    @Test
    void the_installed_guest_traces_nothing_and_record_says_so_naming_e() throws Exception {
        HostCommand.Run r = record("--duration", "1");
        assertEquals(0, r.exit(), r.err());
        Matcher ms = Pattern.compile("metadata in (\\d+) ms").matcher(r.err());
        System.out.println("installed guest under TCG, no configuration: metadata in "
                + (ms.find() ? ms.group(1) : "?") + " ms");
        assertTrue(r.err().contains("the guest traces nothing") && r.err().contains("-e"), r.err());
    }

    @Test
    void list_e_prints_the_guests_events() throws Exception {
        HostCommand.Run r = virtioTrace("list", guest.fifoDir().toString(), "-e", "sched:*");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("sched:sched_switch"), r.out());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("sched:")), r.out());
    }

    @Test
    void events_with_a_filter_give_those_events_only_and_leave_the_guest_as_found() throws Exception {
        String before = state();
        HostCommand.Run r = record("-e", "sched_switch", "-f", "prev_pid != 0", "-e", "irq:*");
        assertEquals(0, r.exit(), r.err());
        Matcher ms = Pattern.compile("metadata in (\\d+) ms").matcher(r.err());
        assertTrue(ms.find(), r.err());
        System.out.println("installed guest under TCG, -e sched_switch -e 'irq:*': metadata in " + ms.group(1)
                + " ms; " + r.err().lines().filter(l -> l.contains("configured in")).findFirst().orElse("")
                + "; the agent: " + guest.sh("journalctl -u trace-agent -o cat | grep 'made in' | tail -1").trim());
        TraceCmd.Run report = TraceCmd.report(dir.resolve("guest.dat"));
        assertEquals(0, report.exit(), report.text());
        Set<String> n = names(report);
        assertTrue(n.contains("sched_switch"), n.toString());
        n.removeIf(e -> e.equals("sched_switch") || e.startsWith("irq_") || e.startsWith("softirq_")
                || e.equals("raw_data") || e.equals("tasklet_entry") || e.equals("tasklet_exit"));
        assertEquals(Set.of(), n, "events nobody asked for");
        List<String> idle = report.events().stream().filter(l -> l.contains("sched_switch:")
                && l.contains("prev_pid=0 ")).toList();
        assertEquals(List.of(), idle, "the filter prev_pid != 0");
        assertEquals(before, state(), "the guest's tracefs after the recording");
    }

    @Test
    void p_function_l_vfs_read_gives_function_events_of_vfs_read_only() throws Exception {
        String before = state();
        guest.sh("(for i in $(seq 200); do cat /etc/hostname > /dev/null; sleep 0.02; done) > /dev/null 2>&1 &");
        // cat writes too: -l lets vfs_write in, -n takes it out again
        HostCommand.Run r = record("-p", "function", "-l", "vfs_read", "-l", "vfs_write", "-n", "vfs_write");
        assertEquals(0, r.exit(), r.err());
        TraceCmd.Run report = TraceCmd.report(dir.resolve("guest.dat"));
        assertEquals(0, report.exit(), report.text());
        List<String> fn = report.events().stream().filter(l -> l.contains(" function:")).toList();
        assertFalse(fn.isEmpty(), report.text());
        assertEquals(List.of(), fn.stream().filter(l -> !l.matches(".*function:\\s+vfs_read\\b.*")).limit(5).toList(),
                "function events of other functions");
        assertEquals(before, state(), "the guest's tracefs after the recording");
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: it restarts the service, twice
    void function_graph_borrows_the_top_level_buffer_when_the_agent_serves_an_instance() throws Exception {
        // Debian 12's 6.1 runs function_graph only in the top-level buffer, which the kernel will not
        // let anyone change while the installed agent (serving it) reads it: refused, saying how
        String before = state();
        HostCommand.Run refused = record("-p", "function_graph", "-g", "vfs_read");
        assertEquals(2, refused.exit(), refused.err());
        assertTrue(refused.err().contains("--instance NAME"), refused.err());
        assertEquals(before, state());
        // the guest's administrator gives the agent an instance of its own: now it can be borrowed
        TraceAgentUnit unit = new TraceAgentUnit(guest);
        guest.sh("mkdir -p /sys/kernel/tracing/instances/agent; echo 'TRACE_AGENT_OPTS=\"--instance agent\"' "
                + "> /etc/default/trace-agent; systemctl restart trace-agent");
        try {
            unit.await("active", "running", Duration.ofSeconds(120));
            String withInstance = state();
            guest.sh("(for i in $(seq 200); do cat /etc/hostname > /dev/null; sleep 0.02; done) > /dev/null 2>&1 &");
            // -l too: without a function filter the kernel patches every traceable function's call
            // site, which under TCG stops both vCPUs for minutes (seen: the configuration's answer
            // never came within 60 s, and the guest stopped answering)
            HostCommand.Run r = record("-p", "function_graph", "-g", "vfs_read", "-l", "vfs_read", "--max-graph-depth", "3");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.err().contains("top-level buffer, borrowed"), r.err());
            TraceCmd.Run report = TraceCmd.report(dir.resolve("guest.dat"));
            assertEquals(0, report.exit(), report.text());
            assertTrue(report.out().stream().anyMatch(l -> l.contains("funcgraph_entry") && l.contains("vfs_read")),
                    "vfs_read's graph: " + report.text());
            assertEquals(withInstance, state(), "the top-level buffer after the recording");
        } finally {
            guest.sh("echo 'TRACE_AGENT_OPTS=\"\"' > /etc/default/trace-agent; systemctl restart trace-agent; "
                    + "rmdir /sys/kernel/tracing/instances/agent || true");
            unit.await("active", "running", Duration.ofSeconds(120));
        }
    }

    @Test
    void an_unknown_event_is_refused_in_one_line_and_nothing_changes() throws Exception {
        String before = state();
        HostCommand.Run r = record("-e", "sched_swich");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("sched:sched_switch"), "the nearest name: " + r.err());
        assertEquals(before, state());
    }
}
