package org.virtiotrace.host.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * The fault matrix's cells the real trace-agent can play on this machine (its ports as FIFO
 * pairs, its pages from a private trace instance): stopped and continued while data flows, and
 * stopped through the stop order. (Killed midway: RecordTest.) The stand-in guest plays the
 * rest: a port closing or garbage needs a QEMU that misbehaves.
 */
class RealAgentFaultsTest extends HostRigPerTest {
    @Test
    void an_agent_stopped_and_continued_while_data_flows_delivers_every_event_the_kernel_handed_it() throws Exception {
        Proc agent = rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "5", "--answer-timeout", "2000");
        Thread.sleep(1500);
        agent.signal("STOP");
        Thread.sleep(2000);
        agent.signal("CONT");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        loading.set(false);
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        // the kernel's ring may overwrite while its reader is stopped (counted as lost in the guest);
        // what the kernel handed out all arrives
        assertEquals(rig.readEvents(), r.events().size(), rec.stderr());
    }

    @Test
    void an_agent_stopped_through_the_stop_order_makes_the_recording_incomplete_and_says_so() throws Exception {
        Proc agent = rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2", "--answer-timeout", "1000");
        Thread.sleep(1500);
        agent.signal("STOP");
        try {
            assertEquals(Exit.INCOMPLETE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
            assertTrue(rec.stderr().contains("no answer to the final update"), rec.stderr());
            TraceCmd.Run r = TraceCmd.report(dat);
            assertEquals(0, r.exit(), r.err());
        } finally {
            agent.signal("CONT");
        }
    }
}
