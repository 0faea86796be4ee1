package org.virtiotrace.host.guestchoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;

/** The private instance a configured recording gets: the agent never leaves one behind for long. */
class AgentInstanceTest extends HostRigPerTest {

    @Test
    void sigterm_to_the_agent_mid_recording_removes_its_instance() throws Exception {
        Proc agent = rig.startAgent();
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-e", "irq");
        Path made = GuestState.awaitAgentInstance(rec);
        Thread.sleep(1000);
        agent.signal("TERM");
        assertEquals(0, agent.waitFor(Duration.ofSeconds(10)), agent.stderr());
        assertFalse(Files.exists(made), "the instance is gone when the agent exits: " + agent.stderr());
        rec.signal("INT");
        rec.waitFor(Duration.ofSeconds(60));
    }

    @Test
    void an_instance_a_killed_agent_left_is_removed_at_the_next_start_and_named() throws Exception {
        Proc agent = rig.startAgent();
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-e", "irq");
        Path made = GuestState.awaitAgentInstance(rec);
        Thread.sleep(500);
        agent.signal("KILL");
        agent.waitFor(Duration.ofSeconds(10));
        assertEquals(Exit.INCOMPLETE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(Files.exists(made), "SIGKILL leaves it (nothing runs at a SIGKILL)");
        Proc next = rig.startAgent();
        assertFalse(Files.exists(made), next.stderr());
        // (with its clock-sync instance, which a SIGKILL leaves too)
        assertTrue(next.stderr().lines().anyMatch(l -> l.matches(".*removed \\d trace instances? an earlier agent left.*")
                && l.contains(made.getFileName().toString())), next.stderr());
    }

    @Test
    void a_recording_interrupted_at_once_leaves_no_instance() throws Exception {
        rig.startAgent();
        Proc rec = rig.record("-o", rig.work.resolve("vm.dat").toString(), "-e", "irq", "--duration", "30");
        Path made = GuestState.awaitAgentInstance(rec);
        rec.signal("INT");
        int exit = rec.waitFor(Duration.ofSeconds(60));
        assertTrue(exit == Exit.STOPPED_BEFORE_START || exit == Exit.OK, rec.stderr());
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.exists(made) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(made), "withdrawn or ended: " + rec.stderr());
    }
}
