package org.virtiotrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.AgentProcess;
import org.virtiotrace.agent.testing.RigPerTest;

/** The host's orders on agent-ctl-path, end to end: real tracefs, FIFO ports, the agent process. */
class OrdersTest extends RigPerTest {
    private long totalEvents() throws Exception {
        long n = 0;
        for (int cpu : (Iterable<Integer>) rig.cpus.stream()::iterator) {
            n += rig.received(cpu).events();
        }
        return n;
    }

    @Test
    void nothing_flows_before_the_start_order_then_everything_does() throws Exception {
        rig.startAgent();
        rig.markAll(200, 200); // ~10 pages per CPU
        assertEquals(0, rig.host.drain(300), "data before the start order");
        rig.host.send("1\n");
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertEquals(rig.cpus.size() * 200L, totalEvents());
    }

    @Test
    void stop_delivers_the_partial_page_then_pauses_and_start_resumes() throws Exception {
        rig.startAgent();
        rig.host.send("1\n");
        rig.mark(0, 3, 50); // far less than a page
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertEquals(3, rig.received(0).events(), "the stop order flushes the partial page");
        assertEquals(1, rig.received(0).pages().size());

        rig.markAll(200, 200);
        assertEquals(0, rig.host.drain(400), "data flowed while paused");

        rig.host.send("1\n");
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertEquals(3 + rig.cpus.size() * 200L, totalEvents(), "after the second start everything arrived");
    }

    @Test
    void an_order_without_newline_is_obeyed() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1");
        agent.awaitLog("start order");
        rig.mark(0, 100, 200);
        assertTrue(rig.host.drain(2000) > 0, "no data after \"1\" without newline");
    }

    @Test
    void crlf_orders_are_obeyed() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1\r\n");
        agent.awaitLog("start order");
        rig.mark(0, 5, 50);
        rig.host.send("0\r\n");
        rig.drainUntilQuiet();
        assertEquals(5, rig.received(0).events());
    }

    @Test
    void several_orders_in_one_write_take_effect_in_order() throws Exception {
        rig.startAgent();
        rig.mark(1 % rig.cpus.size(), 7, 50);
        rig.host.send("1\n0\n");
        rig.drainUntilQuiet();
        assertEquals(7, totalEvents(), "start then stop in one write delivers and flushes");
        rig.markAll(200, 200);
        assertEquals(0, rig.host.drain(400), "the last order, 0, left the agent paused");
    }

    @Test
    void repeated_orders_are_harmless() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1\n1\n1\n");
        rig.mark(0, 5, 50);
        rig.host.send("0\n0\n");
        rig.drainUntilQuiet();
        assertEquals(5, rig.received(0).events(), "each event once");
        assertEquals(1, agent.stderr().stream().filter(l -> l.contains("start order")).count());
    }

    @Test
    void garbage_is_logged_once_quoted_and_the_agent_carries_on() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("hello\u0001world\n1\n");
        String line = agent.awaitLog("ignoring");
        assertTrue(line.contains("\"hello\\x01world\""), line);
        assertTrue(line.contains(rig.host.ctlPath().toString()), line);
        rig.mark(0, 5, 50);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertEquals(5, rig.received(0).events());
        assertEquals(1, agent.stderr().stream().filter(l -> l.contains("ignoring")).count());
    }

    @Test
    void the_host_closing_the_control_port_neither_spins_nor_floods_and_a_new_order_works() throws Exception {
        AgentProcess agent = rig.startAgent();
        rig.host.send("1\n");
        rig.host.hangUpControl(); // like `echo 1 > agent-ctl-path.in` finishing
        agent.awaitLog("closed its end");
        assertTrue(agent.awaitSettled(Duration.ofSeconds(5)), "the agent never came to rest after the host hung up");
        long t0 = agent.cpuTicks();
        Thread.sleep(1000);
        long used = agent.cpuTicks() - t0;
        assertTrue(used <= 5, "agent used " + used + " ticks in 1 s after the host hung up: a spin");

        rig.mark(0, 4, 50);
        rig.host.send("0\n"); // a new writer: the host came back
        rig.drainUntilQuiet();
        assertEquals(4, rig.received(0).events());
        assertEquals(1, agent.stderr().stream().filter(l -> l.contains("closed its end")).count(),
                "one line, not a flood");
    }

    @Test
    void a_start_order_reaches_the_ports_quickly() throws Exception {
        rig.startAgent();
        rig.host.send("1\n");
        rig.mark(0, 40, 200); // two pages' worth
        assertTrue(rig.host.drain(1000) > 0, "a completed page took more than a second");
        assertTrue(rig.agentIsAlive());
    }
}
