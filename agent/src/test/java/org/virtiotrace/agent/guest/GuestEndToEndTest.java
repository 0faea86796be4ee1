package org.virtiotrace.agent.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.page.PageStream;
import org.virtiotrace.testkit.TraceCmd;

/**
 * The agent inside a real QEMU guest with real virtio-serial ports, driven from the host
 * through the pipe chardevs exactly as the README tells users to set it up.
 */
@Tag("guest")
class GuestEndToEndTest {

    private static String all(Guest g) throws Exception {
        return "\nagent log:\n" + g.log("agent.log") + "\nguest:\n" + g.log("guest.log");
    }

    @Test
    void data_flows_for_every_vcpu_only_after_1_stops_after_0_and_flows_again_after_1() throws Exception {
        try (Guest g = Guest.boot("orders", 2, true, Map.of())) {
            assertEquals(0, g.host.drain(1500), "bytes before the start order" + all(g));
            g.host.send("1\n");
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while ((g.host.received(0).length == 0 || g.host.received(1).length == 0) && System.nanoTime() < end) {
                g.host.drain(200);
            }
            assertTrue(g.host.received(0).length > 0 && g.host.received(1).length > 0, "no data on a vCPU" + all(g));
            g.host.send("0\n");
            g.host.drainUntilQuiet(1000, 20_000);
            assertEquals(0, g.host.drain(1500), "bytes after the stop order went quiet" + all(g));
            long before = g.host.received(0).length + g.host.received(1).length;
            g.host.send("1\n");
            g.host.drain(5000);
            g.host.send("0\n");
            g.host.drainUntilQuiet(1000, 20_000);
            assertTrue(g.host.received(0).length + g.host.received(1).length > before, "nothing after the second 1");
            assertEquals(0, g.finish(), all(g));
            assertEquals("0", g.log("agent-rc").trim(), all(g));
        }
    }

    @Test
    void the_host_receives_every_event_in_valid_pages_that_trace_cmd_decodes() throws Exception {
        try (Guest g = Guest.boot("data", 2, true, Map.of("EVENTS", "sched irq", "META", "1"))) {
            g.host.send("1\n");
            long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < end) {
                g.host.drain(100);
            }
            g.host.send("0\n");
            g.host.drainUntilQuiet(1500, 30_000);
            assertEquals(0, g.finish(), all(g));
            for (int cpu = 0; cpu < 2; cpu++) {
                PageStream s = g.received(cpu);
                assertEquals(List.of(), s.defects(), "cpu" + cpu + all(g));
                assertTrue(s.events() > 0, "cpu" + cpu + " sent no events");
                assertEquals(g.readEventsDelta(cpu), s.events(), "cpu" + cpu + ": events vs the kernel's read events");
            }
            g.saveReceived();
            TraceCmd.Run report = TraceCmd.restoreAndReport(g.work, 2);
            assertTrue(report.events().size() > 0, report.text());
            assertTrue(report.text().contains("vta-e2e"), "trace-cmd shows the guest's markers");
            assertTrue(report.text().contains("sched_switch"), "trace-cmd decodes the guest's sched events");
        }
    }

    @Test
    void without_memory_fallback_a_host_that_stops_reading_finds_the_agent_alive_nothing_torn_and_the_loss_reported()
            throws Exception {
        // --stall-timeout 1 h: the ring never takes over, the kernel's own buffer overflows
        try (Guest g = Guest.boot("stall", 2, true, Map.of("EVENTS", "sched irq", "BUFFER_KB", "64"),
                "-s", "64K", "--stall-timeout", "3600000")) {
            g.host.send("1\n");
            g.host.drain(2000);
            Thread.sleep(10_000); // the host reads nothing
            g.host.drainUntilQuiet(2000, 30_000);
            g.host.send("0\n");
            g.host.drainUntilQuiet(1500, 30_000);
            assertEquals(0, g.finish(), all(g));
            String log = g.log("agent.log");
            for (int cpu = 0; cpu < 2; cpu++) {
                assertEquals(List.of(), g.received(cpu).defects(), "cpu" + cpu + all(g));
            }
            long overwritten = g.overrunDelta(0) + g.overrunDelta(1);
            assertTrue(overwritten > 0, "the load did not overflow the guest's buffer; the test proves nothing");
            assertTrue(log.contains("the kernel overwrote"), "the agent did not report the loss" + all(g));
            assertEquals("0", g.log("agent-rc").trim());
        }
    }

    @Test
    void a_host_that_stops_reading_for_10_s_gets_every_event_afterwards_from_the_agents_memory() throws Exception {
        // a 256 KiB kernel buffer holds the load for the 100 ms before memory takes over (about
        // 0.1-0.2 MB/s per vCPU reach the ports here); 64 MiB rings hold 10 s of it and more
        try (Guest g = Guest.boot("stall-ring", 2, true, Map.of("EVENTS", "sched irq", "BUFFER_KB", "256"),
                "-s", "64K", "--ring-size", "64M", "--stall-timeout", "100")) {
            g.host.send("1\n");
            g.host.drain(2000);
            Thread.sleep(10_000); // the host reads nothing
            g.host.drainUntilQuiet(2000, 30_000);
            g.host.send("0\n");
            g.host.drainUntilQuiet(1500, 30_000);
            assertEquals(0, g.finish(), all(g));
            String log = g.log("agent.log");
            assertTrue(log.contains("keeping pages in memory"), "the port never stalled; the test proves nothing"
                    + all(g));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("took the backlog \\((\\d+) bytes went "
                    + "through memory\\).*nothing was lost").matcher(log);
            long mostThroughMemory = 0;
            while (m.find()) {
                mostThroughMemory = Math.max(mostThroughMemory, Long.parseLong(m.group(1)));
            }
            assertTrue(mostThroughMemory > 256 * 1024, "more than the kernel's own buffer must have waited in "
                    + "memory, or the test proves nothing" + all(g));
            assertTrue(!log.contains("the kernel overwrote"), "the kernel lost events during the stall" + all(g));
            for (int cpu = 0; cpu < 2; cpu++) {
                assertEquals(List.of(), g.received(cpu).defects(), "cpu" + cpu + all(g));
                // (the kernel's overrun count is no witness here: the load goes on after "0",
                // while the agent is paused, and the buffer overflows then, as it should)
                assertEquals(g.readEventsDelta(cpu), g.received(cpu).events(), "cpu" + cpu
                        + ": every event the kernel handed out arrived" + all(g));
            }
        }
    }

    @Test
    void without_udev_links_the_ports_are_found_through_sysfs() throws Exception {
        try (Guest g = Guest.boot("no-udev", 2, false, Map.of())) {
            g.host.send("1\n");
            g.host.drain(3000);
            g.host.send("0\n");
            g.host.drainUntilQuiet(1000, 20_000);
            assertEquals(0, g.finish(), all(g));
            assertTrue(g.log("agent.log").contains("/dev/vport"), all(g));
            assertTrue(g.host.received(0).length > 0 && g.host.received(1).length > 0, all(g));
        }
    }

    @Test
    void sigterm_while_the_host_is_not_reading_exits_0_within_a_second() throws Exception {
        try (Guest g = Guest.boot("sigterm", 2, true, Map.of("EVENTS", "sched irq"))) {
            g.host.send("1\n");
            Thread.sleep(5000); // the ports fill up: ~576 KiB each, then writes block
            assertEquals(0, g.finish(), all(g));
            assertEquals("0", g.log("agent-rc").trim(), all(g));
            long ms = Long.parseLong(g.log("agent-term-ms").trim());
            assertTrue(ms <= 1000, "SIGTERM to exit took " + ms + " ms in the guest" + all(g));
        }
    }

    @Test
    void stdout_mode_inside_the_guest_writes_valid_pages_to_a_file() throws Exception {
        try (Guest g = Guest.boot("stdout", 2, true, Map.of(), "-o")) {
            g.host.send("1\n");
            Thread.sleep(3000);
            g.host.send("0\n");
            Thread.sleep(1500);
            assertEquals(0, g.finish(), all(g));
            byte[] out = Files.readAllBytes(g.work.resolve("agent.out"));
            PageStream s = PageStream.interleaved(out, Guest.PAGE);
            assertEquals(List.of(), s.defects(), all(g));
            assertTrue(s.events() > 0, "no events on stdout" + all(g));
            assertEquals(g.readEventsDelta(0) + g.readEventsDelta(1), s.events(), all(g));
        }
    }
}
