package org.virtiotrace.host.guestchoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * The host chooses what the guest traces: virtio-trace record with trace-cmd record's options
 * against the agent on this machine (the real tracefs, FIFO ports), read back by trace-cmd.
 */
class GuestChoiceTest extends HostRigPerTest {

    @Test
    void record_with_e_traces_those_events_only() throws Exception {
        rig.startAgent();
        rig.load(loading::get); // markers in the agent's own buffer: not asked for, so not in the file
        Path dat = rig.work.resolve("vm.dat");
        Path raw = rig.work.resolve("raw");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "3", "-e", "sched:sched_process_exec",
                "-e", "sched_process_exit", "--raw", raw.toString());
        GuestState.spawnWhile(rec, "/bin/true");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.text());
        // the final counts are the instance's, taken after its tail: every event it handed out is in the file
        assertEquals(GuestState.readEvents(raw, rig.cpus), r.events().size(), "events vs the instance's read events");
        Set<String> names = GuestState.eventNames(r);
        assertTrue(names.contains("sched_process_exec") && names.contains("sched_process_exit"), names + "\n" + r.text());
        names.removeAll(Set.of("sched_process_exec", "sched_process_exit", GuestState.HEARTBEAT));
        assertEquals(Set.of(), names, "events that were not asked for");
        assertFalse(r.out().stream().anyMatch(l -> l.contains("vt-load")), "the agent's own buffer was not read");
    }

    @Test
    void a_filter_applies_to_the_event_before_it() throws Exception {
        rig.startAgent();
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "3", "-e", "sched_process_exit", "-f",
                "comm == \"true\"", "-e", "sched_process_exec");
        GuestState.spawnWhile(rec, "/bin/true", "/bin/echo");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat);
        List<String> exits = r.events().stream().filter(l -> l.contains("sched_process_exit:")).toList();
        assertFalse(exits.isEmpty(), r.text());
        assertTrue(exits.stream().allMatch(l -> l.contains("comm=true")), "filtered: " + exits);
        assertTrue(r.events().stream().anyMatch(l -> l.contains("sched_process_exec:") && l.contains("echo")),
                "the second -e has no filter: " + r.text());
    }

    @Test
    void the_guest_is_left_exactly_as_it_was_found() throws Exception {
        rig.startAgent();
        GuestState before = GuestState.of(rig.instance.dir());
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "--duration", "2", "-e", "irq",
                "-b", "2048", "-C", "global", "-O", "noprint-parent", "-T");
        Path made = GuestState.awaitAgentInstance(rec);
        int kb = Integer.parseInt(Files.readString(made.resolve("buffer_size_kb")).trim());
        assertTrue(kb >= 2048 && kb < 2048 + 16, "-b 2048 (the kernel rounds up to whole pages): " + kb);
        assertTrue(Files.readString(made.resolve("trace_clock")).contains("[global]"), "-C");
        assertEquals("1", Files.readString(made.resolve("options/stacktrace")).trim(), "-T");
        assertEquals("0", Files.readString(made.resolve("options/print-parent")).trim(), "-O noprint-parent");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertEquals(before, GuestState.of(rig.instance.dir()));
    }

    @Test
    void an_unknown_event_is_refused_in_one_line_naming_the_nearest() throws Exception {
        rig.startAgent();
        GuestState before = GuestState.of(rig.instance.dir());
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-e", "sched_swich");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertEquals(1, rec.stderr().lines().count(), rec.stderr());
        assertTrue(rec.stderr().contains("-e sched_swich: no such event") && rec.stderr().contains("sched:sched_switch"),
                rec.stderr());
        assertFalse(Files.exists(rig.work.resolve("vm.dat")));
        assertEquals(before, GuestState.of(rig.instance.dir()));
    }

    @Test
    void a_filter_the_kernel_rejects_is_refused_with_its_parse_error() throws Exception {
        rig.startAgent();
        GuestState before = GuestState.of(rig.instance.dir());
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-e", "sched_switch", "-f", "prev_pid !=");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().contains("parse_error"), rec.stderr());
        assertEquals(1, rec.stderr().lines().count(), rec.stderr());
        assertEquals(before, GuestState.of(rig.instance.dir()));
    }

    @Test
    void a_tracer_only_the_top_level_buffer_runs_borrows_it_when_unused_and_puts_it_back() throws Exception {
        String tracer = GuestState.topLevelOnlyTracer(rig.instance.dir());
        assumeTrue(tracer != null, "this kernel runs every tracer in instances too");
        rig.startAgent();
        GuestState before = GuestState.of(rig.instance.dir());
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "--duration", "2", "-p", tracer,
                "-e", "sched_process_exec", "-O", "noprint-parent");
        String during = GuestState.awaitTopLevelTracer(rec, tracer);
        assertEquals(tracer, during, "the top-level buffer's tracer while recording");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().contains("top-level buffer, borrowed") && rec.stderr().contains("put back"),
                rec.stderr());
        assertEquals(before, GuestState.of(rig.instance.dir()), "the top-level buffer after the recording");
        assertEquals(0, TraceCmd.report(rig.work.resolve("vm.dat")).exit());
    }

    @Test
    void a_top_level_buffer_in_use_is_not_borrowed() throws Exception {
        String tracer = GuestState.topLevelOnlyTracer(rig.instance.dir());
        assumeTrue(tracer != null, "this kernel runs every tracer in instances too");
        rig.startAgent();
        Path enable = GuestState.TRACEFS.resolve("events/sched/sched_process_exec/enable");
        Files.writeString(enable, "1");
        try {
            GuestState before = GuestState.of(rig.instance.dir());
            Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-p", tracer);
            assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
            assertTrue(rec.stderr().contains("in use (1 event enabled): not borrowed"), rec.stderr());
            assertEquals(before, GuestState.of(rig.instance.dir()));
        } finally {
            Files.writeString(enable, "0");
        }
    }

    @Test
    void an_unknown_tracer_is_refused_naming_the_guests_tracers() throws Exception {
        rig.startAgent();
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-p", "functoin");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().contains("-p functoin: not a tracer of the guest") && rec.stderr().contains("nop"),
                rec.stderr());
    }

    @Test
    void a_filter_before_any_event_is_a_usage_error() throws Exception {
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-f", "prev_pid != 0");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        assertTrue(rec.stderr().contains("a filter must follow the -e it filters"), rec.stderr());
    }

    @Test
    void a_guest_that_traces_nothing_is_said_before_the_recording() throws Exception {
        rig.instance.write("events/enable", "0");
        rig.startAgent();
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "--duration", "1");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        long said = rec.stderr().lines().filter(l -> l.contains("the guest traces nothing") && l.contains("-e")).count();
        assertEquals(2, said, "once before, once in the summary: " + rec.stderr());
    }

    @Test
    void list_prints_the_guests_events_as_trace_cmd_list_does() throws Exception {
        rig.startAgent();
        Proc list = rig.track(Proc.virtioTrace("list", rig.ports.toString(), "-e", "sched:*"));
        assertEquals(Exit.OK, list.waitFor(Duration.ofSeconds(30)), list.stderr());
        List<String> lines = list.stdout().lines().toList();
        assertTrue(lines.contains("sched:sched_switch"), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("sched:")), lines.toString());
    }

    @Test
    void list_t_prints_the_guests_tracers() throws Exception {
        rig.startAgent();
        Proc list = rig.track(Proc.virtioTrace("list", rig.ports.toString(), "-t"));
        assertEquals(Exit.OK, list.waitFor(Duration.ofSeconds(30)), list.stderr());
        Set<String> expected = Set.of(Files.readString(Path.of("/sys/kernel/tracing/available_tracers")).trim()
                .split("\\s+"));
        assertEquals(expected, list.stdout().lines().collect(Collectors.toSet()));
    }

    @Test
    void an_agent_with_host_config_none_refuses_naming_its_option() throws Exception {
        rig.startAgent("--host-config", "none");
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-e", "irq");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().contains("--host-config none"), rec.stderr());
    }

    @Test
    void an_agent_with_host_config_events_refuses_a_function_tracer() throws Exception {
        rig.startAgent("--host-config", "events");
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-p", "function", "-l", "vfs_read");
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().contains("--host-config events"), rec.stderr());
    }
}
