package org.virtiotrace.host.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.CausalMarks;
import org.virtiotrace.host.testing.HostRig;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * Several guests in one {@code virtio-trace record}, on this machine: each "guest" is an agent on
 * a private instance with FIFO ports of its own (local clock), the host trace another instance
 * (mono clock) of the same kernel, so one thread can write markers to all three in a known order.
 */
class ManyGuestsTest {
    private HostRig vm1;
    private HostRig vm2;
    private final AtomicBoolean loading = new AtomicBoolean(true);

    @BeforeEach
    void rigs() throws Exception {
        vm1 = HostRig.create("vm1");
        vm2 = HostRig.create("vm2");
    }

    @AfterEach
    void close() throws Exception {
        loading.set(false);
        vm2.close();
        vm1.close();
    }

    private Proc record(String... more) throws Exception {
        String[] base = {"record", vm1.ports.toString(), vm2.ports.toString(), "--no-progress"};
        String[] all = Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
        return vm1.track(Proc.virtioTrace(all));
    }

    @Test
    void two_guests_and_the_host_in_one_command_keep_causal_order_in_the_merged_report() throws Exception {
        vm1.startAgent();
        vm2.startAgent();
        Path out = vm1.work.resolve("out");
        Path host = out.resolve("host.dat");
        Proc rec = record("-o", out.toString(), "--host", host.toString(), "--host-events", "sched/sched_switch",
                "--duration", "3");
        CausalMarks marks = CausalMarks.start("vt-fleet", vm1.instance, vm2.instance, loading::get, rec.pid());
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(90)), rec.stderr());
        loading.set(false);
        Path dat1 = out.resolve("vm1.dat");
        Path dat2 = out.resolve("vm2.dat");

        TraceCmd.Run own1 = TraceCmd.report(dat1);
        TraceCmd.Run own2 = TraceCmd.report(dat2);
        assertEquals(0, own1.exit(), own1.err());
        assertEquals(0, own2.exit(), own2.err());
        assertTrue(own1.out().stream().anyMatch(l -> l.contains("vt-fleet A")), "guest 1 has its markers");
        assertFalse(own1.out().stream().anyMatch(l -> l.contains("vt-fleet C")), "guest 1 has none of guest 2's");
        assertTrue(own2.out().stream().anyMatch(l -> l.contains("vt-fleet C")), "guest 2 has its markers");
        assertFalse(own2.out().stream().anyMatch(l -> l.contains("vt-fleet A")), "guest 2 has none of guest 1's");

        TraceCmd.Run merged = TraceCmd.run("report", "-t", "-i", host.toString(), "-i", dat1.toString(), "-i",
                dat2.toString());
        assertEquals(0, merged.exit(), merged.err());
        Map<Integer, double[]> triples = marks.triples(merged.out());
        long whole = triples.values().stream().filter(t -> !Double.isNaN(t[0] + t[1] + t[2])).count();
        assertTrue(whole >= 50, "triples in the three files: " + whole + "; marking ended with " + marks.failure()
                + "; " + rec.stderr());
        for (Map.Entry<Integer, double[]> e : triples.entrySet()) {
            double[] t = e.getValue();
            if (e.getKey() % 2 == 0 && !Double.isNaN(t[0] + t[1] + t[2])) {
                // 2 ms apart, more than either guest's clock-sync bound: the merge keeps the causal order
                assertTrue(t[0] < t[1] && t[1] < t[2], "out of causal order after the merge: triple " + e.getKey()
                        + ": guest 1 " + t[0] + ", host " + t[1] + ", guest 2 " + t[2]);
            }
        }
        assertTrue(merged.out().stream().anyMatch(l -> l.contains("virtio-trace: vm1: agent-ctl-path <- 1")),
                "the host trace marks guest 1's start order");
        assertTrue(merged.out().stream().anyMatch(l -> l.contains("virtio-trace: vm2: agent-ctl-path <- 1")),
                "the host trace marks guest 2's start order");
        assertTrue(rec.stderr().contains("one timeline: trace-cmd report -i " + host + " -i " + dat1 + " -i " + dat2),
                rec.stderr());
    }

    @Test
    void a_guest_that_goes_away_ends_its_own_file_and_the_other_is_recorded_to_the_end() throws Exception {
        vm1.startAgent();
        Proc agent2 = vm2.startAgent();
        vm1.load(loading::get);
        vm2.load(loading::get);
        Path out = vm1.work.resolve("out");
        Proc rec = record("-o", out.toString(), "--duration", "4");
        Thread.sleep(2000);
        agent2.signal("KILL");
        assertEquals(Exit.INCOMPLETE, rec.waitFor(Duration.ofSeconds(90)), rec.stderr());
        assertTrue(rec.stderr().contains("vm2: ") && rec.stderr().contains("ended early"), rec.stderr());
        for (Path dat : new Path[] {out.resolve("vm1.dat"), out.resolve("vm2.dat")}) {
            TraceCmd.Run r = TraceCmd.report(dat);
            assertEquals(0, r.exit(), dat + ": " + r.err());
            assertTrue(r.events().size() > 0, dat + " holds the pages that arrived");
        }
        assertTrue(rec.stderr().lines().anyMatch(l -> l.startsWith("virtio-trace: vm1: recorded")
                && !l.contains("ended early")), "guest 1 was recorded to the end: " + rec.stderr());
    }

    @Test
    void options_before_the_first_target_are_every_guests_and_those_after_a_target_its_own() throws Exception {
        vm1.startAgent();
        vm2.startAgent();
        Path out = vm1.work.resolve("out");
        Proc rec = vm1.track(Proc.virtioTrace("record", "-e", "sched:sched_switch", vm1.ports.toString(),
                vm2.ports.toString(), "-e", "sched:sched_wakeup", "-o", out.toString(), "--duration", "2",
                "--no-progress"));
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(90)), rec.stderr());
        assertEquals(Set.of("sched_switch"), names(TraceCmd.report(out.resolve("vm1.dat"))), "vm1: the shared -e only");
        assertEquals(Set.of("sched_switch", "sched_wakeup"), names(TraceCmd.report(out.resolve("vm2.dat"))),
                "vm2: the shared -e and its own");
    }

    @Test
    void a_guests_own_option_that_is_wrong_is_refused_naming_the_guest() throws Exception {
        Proc rec = vm1.track(Proc.virtioTrace("record", vm1.ports.toString(), vm2.ports.toString(), "-b", "-5",
                "-o", vm1.work.resolve("out").toString()));
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        assertTrue(rec.stderr().contains(vm2.ports + ": -b -5: must be positive"), rec.stderr());
    }

    /** The events in a report, the agent's heartbeats left out. */
    private static Set<String> names(TraceCmd.Run r) {
        assertEquals(0, r.exit(), r.err());
        Set<String> names = new TreeSet<>();
        Pattern name = Pattern.compile("\\[\\d{3,}\\]\\s+\\d+\\.\\d+:\\s+([a-z_0-9]+):");
        for (String l : r.events()) {
            Matcher m = name.matcher(l);
            if (m.find() && !m.group(1).equals("raw_data")) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void two_guests_whose_directories_share_a_name_are_refused_in_one_line() throws Exception {
        Path other = Files.createDirectories(vm2.work.resolve("again")).resolve("vm1");
        Files.createDirectories(other);
        Proc rec = vm1.track(Proc.virtioTrace("record", vm1.ports.toString(), other.toString(), "-o",
                vm1.work.resolve("out").toString()));
        assertEquals(Exit.USAGE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        assertTrue(rec.stderr().contains("would both be written as vm1.dat"), rec.stderr());
    }
}
