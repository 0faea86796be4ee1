package org.virtiotrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.AgentProcess;
import org.virtiotrace.agent.testing.RigPerTest;

/** SIGTERM at any moment: exit 0 within a second, delivering what can be delivered. */
class ShutdownTest extends RigPerTest {
    private static long terminateAndTime(AgentProcess agent) throws InterruptedException {
        long t0 = System.nanoTime();
        agent.terminate();
        assertEquals(0, agent.waitFor(Duration.ofSeconds(5)), "exit status after SIGTERM");
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void sigterm_while_a_port_is_full_exits_0_within_a_second() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1\n");
        // The host never reads: FIFO, pipe and then the ring fill up; what is left is said at exit.
        rig.mark(0, 20_000, 200);
        Thread.sleep(300);
        long ms = terminateAndTime(agent);
        assertTrue(ms <= 1000, "SIGTERM took " + ms + " ms");
        assertTrue(agent.stderr().stream().anyMatch(l -> l.contains("were not delivered at exit")),
                agent.stderr().toString());
    }

    @Test
    void sigterm_while_running_delivers_the_partial_page() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1\n");
        // "while running": a SIGTERM that beats the control thread to the "1" is a SIGTERM before any order
        agent.awaitLog("start order");
        rig.mark(0, 9, 50);
        terminateAndTime(agent);
        rig.drainUntilQuiet();
        assertEquals(9, rig.received(0).events());
    }

    @Test
    void sigterm_before_any_order_exits_0_at_once() throws Exception {
        AgentProcess agent = rig.startAgent();
        long ms = terminateAndTime(agent);
        assertTrue(ms <= 1000, "SIGTERM took " + ms + " ms");
    }

    @Test
    void sigterm_while_paused_exits_0_at_once() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1\n");
        rig.host.send("0\n");
        agent.awaitLog("stop order");
        long ms = terminateAndTime(agent);
        assertTrue(ms <= 1000, "SIGTERM took " + ms + " ms");
    }
}
