package org.virtiotrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.AgentProcess;
import org.virtiotrace.agent.testing.Markers;
import org.virtiotrace.agent.testing.Rig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.page.PageStream;

/**
 * A port that is missing or not read does not cost the trace: pages wait in the CPU's
 * ring and reach the port, oldest first and before live pages, once it is there again.
 */
class MemoryFallbackTest {
    private Rig rig;

    @AfterEach
    void cleanup() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    private void assertWholeRun(int cpu, int count) throws Exception {
        PageStream got = rig.received(cpu);
        assertEquals(List.of(), got.defects(), "cpu" + cpu + " pages");
        assertNull(Markers.gapIn(Markers.in(rig.host.received(cpu)), 0, count), "cpu" + cpu + " markers in order");
        assertEquals(0, rig.kernelLost(cpu), "cpu" + cpu + " lost in the kernel");
    }

    @Test
    void a_missing_port_is_named_once_and_its_pages_wait_in_memory_until_it_appears() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        rig.host.unplug(0);
        AgentProcess agent = rig.startAgent("--cpus", "0");
        String warning = agent.awaitLog("keeping this CPU's pages in memory");
        assertTrue(warning.contains("trace-path-cpu0: No such file or directory [ENOENT]"), warning);
        rig.host.send("1\n");
        rig.mark(0, 2000, 100, 0);
        Thread.sleep(400); // the pump's timer takes the pages into the ring
        Map<String, String> row = rig.status().get(0);
        assertTrue(row.get("ROUTE").startsWith("memory, port missing"), row.toString());
        assertTrue(Long.parseLong(row.get("TO_MEMORY")) > 0, row.toString());

        rig.host.plug(0);
        agent.awaitLog(l -> l.contains("trace-path-cpu0 is here"), Duration.ofSeconds(5));
        rig.mark(0, 1000, 100, 2000); // live pages after the backlog
        rig.host.drain(1000);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertWholeRun(0, 3000);
        assertEquals(1, agent.stderr().stream().filter(l -> l.contains("No such file")).count(),
                "one warning line for the missing port: " + agent.stderr());
    }

    @Test
    void a_host_that_stops_reading_gets_the_backlog_first_when_it_resumes() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess agent = rig.startAgent("--cpus", "0", "--ring-size", "16M", "--stall-timeout", "200",
                "--pipe-size", "64K");
        rig.host.send("1\n");
        // ~1.3 MB: the port (a FIFO the agent gives a real port's room, 1 MiB) and the pipe
        // fill up, the kernel holds the rest
        rig.mark(0, 11_000, 100, 0);
        agent.awaitLog(l -> l.contains("accepted nothing for"), Duration.ofSeconds(5));
        rig.mark(0, 20_000, 100, 11_000); // ~2.3 MB, twice the kernel's buffer: only memory can keep it
        Thread.sleep(300);
        Map<String, String> row = rig.status().get(0);
        assertTrue(row.get("ROUTE").startsWith("memory, port stalled"), row.toString());
        assertEquals("0", row.get("OVERWROTE"), row.toString());
        assertTrue(Long.parseLong(row.get("TO_MEMORY")) > 2_000_000, row.toString());

        rig.host.drainUntilQuiet(500, 20_000); // the host reads again
        rig.mark(0, 1000, 100, 31_000);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertWholeRun(0, 32_000);
        agent.awaitLog("took the backlog");
        assertTrue(rig.status().get(0).get("ROUTE").startsWith("direct -> "));
    }

    @Test
    void what_the_kernel_overwrites_after_a_stop_order_is_not_blamed_on_the_stall() throws Exception {
        rig = Rig.create(1024, CpuList.parse("0"));
        AgentProcess agent = rig.startAgent("--cpus", "0", "--ring-size", "16M", "--stall-timeout", "200",
                "--pipe-size", "64K");
        rig.host.send("1\n");
        rig.mark(0, 11_000, 100, 0); // ~1.3 MB: the port and the pipe fill up
        agent.awaitLog(l -> l.contains("keeping pages in memory"), Duration.ofSeconds(5));
        rig.mark(0, 1000, 100, 11_000); // to memory: nothing lost
        Thread.sleep(300);
        rig.host.send("0\n");
        agent.awaitLog(l -> l.contains("stop order"), Duration.ofSeconds(5));
        Thread.sleep(300); // the tail taken, reading paused
        long before = rig.kernelLost(0);
        rig.mark(0, 20_000, 100, 12_000); // ~2.3 MB into a 1 MiB buffer nobody reads: overwritten
        assertTrue(rig.kernelLost(0) > before, "the load after the stop overflowed the buffer");
        rig.host.drainUntilQuiet(500, 20_000); // the host reads again: the backlog goes
        agent.awaitLog(l -> l.contains("took the backlog"), Duration.ofSeconds(10));
        assertTrue(agent.stderr().stream().noneMatch(l -> l.contains("the kernel overwrote")),
                "the stall's report counts only while the agent read: " + agent.stderr());
        assertNull(Markers.gapIn(Markers.in(rig.host.received(0)), 0, 12_000), "every marker before the stop");
    }

    @Test
    void a_host_that_never_reads_keeps_the_newest_pages_and_the_ring_counts_what_it_overwrote() throws Exception {
        rig = Rig.create(256, CpuList.parse("0"));
        AgentProcess agent = rig.startAgent("--cpus", "0", "--ring-size", "256K", "--stall-timeout", "100",
                "--pipe-size", "64K");
        // the start-up's rehearsal plays on CPU 0 too: the timing below is this pump's alone
        assertTrue(agent.awaitSettled(Duration.ofSeconds(10)), "the agent never came to rest after its start");
        rig.host.send("1\n");
        rig.mark(0, 20_000, 100, 0);
        rig.host.send("0\n");
        Thread.sleep(500);
        Map<String, String> row = rig.status().get(0);
        assertTrue(Long.parseLong(row.get("OVERWROTE")) > 0, row.toString());
        assertEquals(262_144L, Long.parseLong(row.get("RING_FILL")), "a full ring: " + row);
        rig.drainUntilQuiet();
        List<Integer> seq = Markers.in(rig.host.received(0));
        assertEquals(19_999, seq.get(seq.size() - 1), "the newest marker arrives last");
        assertEquals(List.of(), rig.received(0).defects(), "the port's stream is whole pages, nothing torn");
    }
}
