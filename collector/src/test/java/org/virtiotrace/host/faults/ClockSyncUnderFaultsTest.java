package org.virtiotrace.host.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.cli.Main;
import org.virtiotrace.host.testing.MatrixScript;
import org.virtiotrace.host.testing.StandInGuest;
import org.virtiotrace.host.testing.StandInGuest.Fault;
import org.virtiotrace.host.testing.StandInGuest.Phase;
import picocli.CommandLine;

/**
 * Clock sync on a loaded host, where a guest's answer can come late or not at all: one slow
 * or lost burst never ends alignment; the recording aligns on the bursts that were answered,
 * says how many, and goes without alignment only when none was.
 */
class ClockSyncUnderFaultsTest {
    @TempDir
    static Path tmp;
    private static StandInGuest.Script script;

    @BeforeAll
    static void script() throws Exception {
        script = MatrixScript.record(tmp.resolve("script"));
    }

    @Test
    void a_first_clock_answer_later_than_its_timeout_does_not_end_alignment() throws Exception {
        Path work = tmp.resolve("late");
        // the first probe waits 2 s; the answer takes 2.5 s, then the guest answers as usual
        String said = record(work, Phase.IN_FIRST_CLOCK_REPLY, Fault.STALL, 2500);
        assertTrue(Files.exists(work.resolve("guest.dat.sync")), "aligned: the samples are written; " + said);
        Matcher m = Pattern.compile("(\\d+) of (\\d+) bursts answered; aligned on those").matcher(said);
        assertTrue(m.find(), said);
        assertTrue(Integer.parseInt(m.group(1)) >= 2 && Integer.parseInt(m.group(1)) < Integer.parseInt(m.group(2)),
                "the late burst is missing, the others are there: " + said);
    }

    @Test
    void a_first_clock_answer_that_never_comes_whole_does_not_end_alignment() throws Exception {
        Path work = tmp.resolve("cut");
        String said = record(work, Phase.IN_FIRST_CLOCK_REPLY, Fault.TRUNCATED, 0);
        assertTrue(Files.exists(work.resolve("guest.dat.sync")), said);
        assertTrue(said.contains("bursts answered; aligned on those"), said);
    }

    /** Records 4 s from a stand-in guest with the fault; returns what record said (it must end with 0). */
    private static String record(Path work, Phase at, Fault fault, int pauseMs) throws Exception {
        Path ports = Files.createDirectories(work.resolve("ports"));
        StringWriter err = new StringWriter();
        int exit;
        try (StandInGuest guest = StandInGuest.start(ports, false, script, at, fault).pausing(pauseMs)) {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            exit = cl.execute("record", ports.toString(), "-o", work.resolve("guest.dat").toString(), "--duration", "4",
                    "--sync-interval", "0.5", "--sync-probes", "3", "--no-progress");
        }
        assertEquals(Exit.OK, exit, err.toString());
        return err.toString();
    }
}
