package org.virtiotrace.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.AgentProcess;
import org.virtiotrace.agent.testing.RigPerTest;
import org.virtiotrace.core.page.PageStream;

/** -o: the trace on stdout, whole pages only, logs on stderr only. */
class StdoutModeTest extends RigPerTest {
    @Test
    void every_cpus_pages_arrive_whole_on_stdout_and_no_log_text_among_them() throws Exception {
        AgentProcess agent = rig.startAgent("-o");
        rig.host.send("1\n");
        for (int i = 0; i < 3; i++) {
            rig.markAll(3000, 150);
        }
        rig.host.send("0\n");
        agent.awaitLog("stop order");
        Thread.sleep(500);
        agent.terminate();
        assertEquals(0, agent.waitFor(Duration.ofSeconds(5)));

        byte[] out = agent.stdout();
        PageStream pages = PageStream.interleaved(out, rig.subBufferSize());
        assertEquals(List.of(), pages.defects(), "stdout is a sequence of whole, valid pages");
        long kernel = 0;
        for (int cpu : (Iterable<Integer>) rig.cpus.stream()::iterator) {
            kernel += rig.kernelReadEvents(cpu);
        }
        assertEquals(kernel, pages.events(), "events on stdout = events the kernel handed out");
        assertEquals(rig.cpus.size() * 9000L, pages.events());
        assertTrue(agent.stderr().stream().anyMatch(l -> l.contains("ready:")), "logs are on stderr");
    }

    @Test
    void when_the_reader_of_stdout_goes_away_the_agent_says_so_and_exits_1() throws Exception {
        AgentProcess agent = rig.startAgent("-o");
        agent.closeStdout();
        rig.host.send("1\n");
        rig.markAll(2000, 200); // whole pages: the first splice to stdout meets EPIPE
        assertEquals(ExitCodes.SOFTWARE, agent.waitFor(Duration.ofSeconds(10)));
        assertTrue(agent.stderr().stream().anyMatch(l -> l.contains("stdout") && l.contains("EPIPE")),
                agent.stderr().toString());
    }
}
