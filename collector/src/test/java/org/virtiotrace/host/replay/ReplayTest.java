package org.virtiotrace.host.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * record --session, then dump and replay, on this machine: the agent on the real tracefs (a
 * private instance) and FIFO ports, every program a process.
 */
class ReplayTest extends HostRigPerTest {
    private Path log;
    private Path dat;

    @BeforeEach
    void recordASession() throws Exception {
        Proc rec = rig.recordSessionUnderLoad(loading::get);
        log = rig.work.resolve("vm.vtlog");
        dat = rig.work.resolve("vm.dat");
        assertTrue(rec.stderr().contains("session log " + log), rec.stderr());
    }


    private Proc virtioTrace(String... args) throws Exception {
        return rig.track(Proc.virtioTrace(args));
    }

    @Test
    void replay_to_dat_writes_the_same_trace_dat_byte_for_byte() throws Exception {
        Path again = rig.work.resolve("again.dat");
        Proc r = virtioTrace("replay", log.toString(), "--to-dat", again.toString());
        assertEquals(Exit.OK, r.waitFor(Duration.ofSeconds(60)), r.stderr());
        assertEquals(-1, Files.mismatch(dat, again), "replayed trace.dat differs from the recorded one");
        assertTrue(r.stderr().contains("as recorded"), r.stderr());
    }

    @Test
    void dump_prints_one_line_per_record_and_where_the_log_ends() throws Exception {
        Proc d = virtioTrace("dump", log.toString());
        assertEquals(Exit.OK, d.waitFor(Duration.ofSeconds(60)), d.stderr());
        List<String> lines = d.stdout().lines().toList();
        assertTrue(lines.get(1).startsWith("#0 ") && lines.get(1).contains("vt_session format=2"), lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.contains("vt_ctl_write \"1\\n\"")), "the start order is shown");
        assertTrue(lines.stream().anyMatch(l -> l.contains("vt_ctl_read") && l.contains("completes reply 1 (ok")),
                "the handshake's reply is named");
        assertTrue(lines.stream().anyMatch(l -> l.matches("#\\d+ \\+\\d+\\.\\d+ vt_data cpu=\\d+ \\d+ bytes \\(\\d+ pages\\)")),
                "data chunks by size and pages");
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("end: ") && last.contains("read to the end"), last);
        assertTrue(lines.get(lines.size() - 2).contains("vt_end exit=0"), lines.get(lines.size() - 2));
    }

    @Test
    void a_log_cut_short_replays_to_a_trace_dat_of_what_it_holds() throws Exception {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() * 2 / 3 + 5);
        }
        Proc d = virtioTrace("dump", log.toString());
        assertEquals(Exit.INCOMPLETE, d.waitFor(Duration.ofSeconds(60)), d.stderr());
        assertTrue(d.stdout().contains("end (early): record ") && d.stdout().contains("is cut short"), d.stdout());
        Path again = rig.work.resolve("cut.dat");
        Proc r = virtioTrace("replay", log.toString(), "--to-dat", again.toString());
        assertEquals(Exit.INCOMPLETE, r.waitFor(Duration.ofSeconds(60)), r.stderr());
        assertTrue(r.stderr().contains("cut short"), r.stderr());
        TraceCmd.Run rep = TraceCmd.report(again);
        assertEquals(0, rep.exit(), rep.err());
        assertTrue(rep.events().size() > 0, "the pages before the cut are there");
    }

    @Test
    void record_against_the_replayed_guest_side_writes_the_same_trace_dat() throws Exception {
        Path fifos = rig.work.resolve("replayed-ports");
        Proc guest = virtioTrace("replay", log.toString(), "--to-fifos", fifos.toString(), "--speed", "max");
        for (int i = 0; i < 100 && !Files.exists(fifos.resolve("trace-path-cpu" + (rig.cpus - 1) + ".out")); i++) {
            Thread.sleep(100);
        }
        Path again = rig.work.resolve("from-fifos.dat");
        Proc rec = virtioTrace("record", fifos.toString(), "--no-progress", "-o", again.toString(), "--duration", "2");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertEquals(Exit.OK, guest.waitFor(Duration.ofSeconds(60)), guest.stderr());
        assertTrue(guest.stderr().matches("(?s).*answered [0-9]+ requests as recorded.*"), guest.stderr());
        // the same pages and metadata; the clock-sync samples are this recording's own (its host
        // times differ), so the events are compared in the guest's own clock
        TraceCmd.Run first = TraceCmd.report(dat, "--raw-ts");
        TraceCmd.Run second = TraceCmd.report(again, "--raw-ts");
        assertEquals(0, second.exit(), second.err());
        assertTrue(first.out().size() > 100, "events: " + first.out().size());
        assertEquals(first.out(), second.out(), "the trace recorded from the replay differs");
    }

    @Test
    void replay_against_the_live_agent_finds_it_doing_as_recorded() throws Exception {
        Proc r = virtioTrace("replay", log.toString(), "--against-agent", rig.ports.toString());
        assertEquals(Exit.OK, r.waitFor(Duration.ofSeconds(60)), r.stderr());
        assertTrue(r.stderr().matches("(?s).*did as recorded: [0-9]+ orders and requests, [0-9]+ replies compared.*"),
                r.stderr());
    }

    @Test
    void replay_against_an_agent_that_does_not_answer_stops_at_the_first_divergence() throws Exception {
        Path mute = rig.work.resolve("mute");
        Proc setup = virtioTrace("setup", "--cpus", Integer.toString(rig.cpus), mute.toString());
        assertEquals(0, setup.waitFor(Duration.ofSeconds(30)), setup.stderr());
        // the C agent's behaviour on the control port: reads everything, answers nothing
        Proc c = rig.track(Proc.start(List.of("bash", "-c", "cd '" + mute + "'; for f in *.in *.out; do "
                + "exec {fd}<>$f; done; sleep 120")));
        Proc r = virtioTrace("replay", log.toString(), "--against-agent", mute.toString());
        assertEquals(Exit.DIVERGED, r.waitFor(Duration.ofSeconds(60)), r.stderr());
        String err = r.stderr();
        assertTrue(err.contains("divergence at record #") && err.contains("agent-ctl-path.out"), err);
        assertTrue(err.contains("expected: a reply to ?hello: ok") && err.contains("happened: no reply"), err);
        c.signal("KILL");
    }

    @Test
    void a_file_that_is_not_a_session_log_is_refused_in_one_line() throws Exception {
        for (String cmd : new String[] {"dump", "replay"}) {
            Proc p = cmd.equals("dump") ? virtioTrace("dump", dat.toString())
                    : virtioTrace("replay", dat.toString(), "--to-dat", rig.work.resolve("x.dat").toString());
            assertEquals(Exit.BAD_LOG, p.waitFor(Duration.ofSeconds(60)), p.stderr());
            assertTrue(p.stderr().contains(dat + ": not a session log"), p.stderr());
            assertEquals(1, p.stderr().lines().count(), p.stderr());
        }
    }
}
