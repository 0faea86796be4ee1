package org.virtiotrace.host.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.testing.CausalMarks;
import org.virtiotrace.testkit.TraceCmd;
import org.virtiotrace.testkit.guest.AgentSession;
import org.virtiotrace.testkit.guest.QemuGuest;

/**
 * Two real QEMU guests (TCG, one vCPU each, ports over FIFOs) and the host in one
 * {@code virtio-trace record}. The host writes a marker, has guest 1 write one, writes another,
 * has guest 2 write one, writes a third: each step waits for the one before, so the merged report
 * of the three files must keep that order, which only a right TIME_SHIFT for each guest gives.
 */
@Tag("guest")
class TwoGuestsInGuestTest {
    private static final String TAG = "two-guests";
    private static final int TRIPLES = 8;

    @Test
    void two_guests_and_the_host_in_one_recording_keep_causal_order_after_the_merge() throws Exception {
        Path base = Path.of("target/guest-two").toAbsolutePath();
        try (QemuGuest g1 = QemuGuest.busybox(base.resolve("work1"), 1, false);
                QemuGuest g2 = QemuGuest.busybox(base.resolve("work2"), 1, false)) {
            // the guests' names are their port directories' last components
            Path vm1 = link(base.resolve("vm1"), g1.fifoDir());
            Path vm2 = link(base.resolve("vm2"), g2.fifoDir());
            AgentSession a1 = g1.startAgent("two", Map.of("EVENTS", "sched", "LOAD", "0"));
            AgentSession a2 = g2.startAgent("two", Map.of("EVENTS", "sched", "LOAD", "0"));
            Path out = base.resolve("out");
            Path host = out.resolve("host.dat");
            CollectorRun rec = CollectorRun.start(base, "record", vm1.toString(), vm2.toString(), "-o", out.toString(),
                    "--host", host.toString(), "--host-events", "sched/sched_switch", "--duration", "30",
                    "--no-progress");
            Path hostMarker = awaitTracing(a1, a2, rec).resolve("trace_marker");
            for (int i = 0; i < TRIPLES; i++) {
                mark(hostMarker, "B0 " + i);
                g1.sh("echo '" + TAG + " A " + i + "' > /sys/kernel/tracing/trace_marker");
                mark(hostMarker, "B1 " + i);
                g2.sh("echo '" + TAG + " C " + i + "' > /sys/kernel/tracing/trace_marker");
                mark(hostMarker, "B2 " + i);
            }
            CollectorRun.Result r = rec.await();
            assertEquals(0, a1.stop(), a1.all());
            assertEquals(0, a2.stop(), a2.all());
            assertEquals(0, r.exit(), "virtio-trace record\n" + r.stderr());
            for (String name : List.of("vm1", "vm2")) {
                assertTrue(r.stderr().matches("(?s).*guest " + name + ": vCPU threads \\[\\d+\\].*"),
                        "the host file names " + name + "'s vCPU thread (its QEMU holds the FIFOs)\n" + r.stderr());
            }

            TraceCmd.Run own1 = TraceCmd.report(out.resolve("vm1.dat"));
            TraceCmd.Run own2 = TraceCmd.report(out.resolve("vm2.dat"));
            assertEquals(0, own1.exit(), own1.err());
            assertEquals(0, own2.exit(), own2.err());
            assertTrue(own1.out().stream().anyMatch(l -> l.contains(TAG + " A ")), "guest 1 has its markers");
            assertFalse(own1.out().stream().anyMatch(l -> l.contains(TAG + " C ")), "guest 1 has none of guest 2's");
            assertTrue(own2.out().stream().anyMatch(l -> l.contains(TAG + " C ")), "guest 2 has its markers");
            assertFalse(own2.out().stream().anyMatch(l -> l.contains(TAG + " A ")), "guest 2 has none of guest 1's");
            assertTrue(own1.out().stream().anyMatch(l -> l.contains("sched_switch:")), "guest 1's events decode");
            assertTrue(own2.out().stream().anyMatch(l -> l.contains("sched_switch:")), "guest 2's events decode");

            TraceCmd.Run merged = TraceCmd.run("report", "-t", "-i", host.toString(), "-i",
                    out.resolve("vm1.dat").toString(), "-i", out.resolve("vm2.dat").toString());
            assertEquals(0, merged.exit(), merged.err());
            Map<Integer, double[]> steps = steps(merged.out());
            assertEquals(TRIPLES, steps.size(), "every round in the merged report: " + steps.keySet() + "\n"
                    + r.stderr());
            for (Map.Entry<Integer, double[]> e : steps.entrySet()) {
                double[] t = e.getValue();
                for (int k = 0; k < t.length; k++) {
                    assertFalse(Double.isNaN(t[k]), "round " + e.getKey() + ": step " + k + " missing");
                    if (k > 0) {
                        assertTrue(t[k - 1] < t[k], "round " + e.getKey() + " out of causal order after the merge: "
                                + java.util.Arrays.toString(t) + " (host, vm1, host, vm2, host)\n" + r.stderr());
                    }
                }
            }
        }
    }

    private static Path link(Path link, Path target) throws Exception {
        Files.deleteIfExists(link);
        return Files.createSymbolicLink(link, target);
    }

    /** The recording's host instance once it traces and both agents have their start orders. */
    private static Path awaitTracing(AgentSession a1, AgentSession a2, CollectorRun rec) throws Exception {
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end && rec.isAlive()) {
            Path host = CausalMarks.tracingHostInstance(rec.pid()).orElse(null);
            if (host != null && a1.log().contains("start order") && a2.log().contains("start order")) {
                return host;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the recording did not start within 120 s: " + rec.await().stderr() + a1.all()
                + a2.all());
    }

    private static void mark(Path hostMarker, String text) throws Exception {
        Files.write(hostMarker, (TAG + " " + text).getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
    }

    /** Each round's five times in the merged report: host B0, vm1 A, host B1, vm2 C, host B2. */
    private static Map<Integer, double[]> steps(List<String> lines) {
        Pattern p = Pattern.compile("\\s(\\d+\\.\\d{9}): .*" + Pattern.quote(TAG) + " (B0|A|B1|C|B2) (\\d+)");
        List<String> order = List.of("B0", "A", "B1", "C", "B2");
        Map<Integer, double[]> steps = new HashMap<>();
        for (String l : lines) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                double[] t = steps.computeIfAbsent(Integer.parseInt(m.group(3)), k -> {
                    double[] a = new double[5];
                    java.util.Arrays.fill(a, Double.NaN);
                    return a;
                });
                t[order.indexOf(m.group(2))] = Double.parseDouble(m.group(1));
            }
        }
        return steps;
    }
}
