package org.virtiotrace.host.longrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * trace.dat version 7 with zstd, as Debian's trace-cmd 3.1.6 reads it: one session recorded from
 * the agent on this machine (private instance, FIFO ports), replayed into version 6 and version 7,
 * and both read by the real trace-cmd.
 */
class CompressedTraceDatTest extends HostRigPerTest {
    private Path log;

    @BeforeEach
    void recordASession() throws Exception {
        rig.recordSessionUnderLoad(loading::get);
        log = rig.work.resolve("vm.vtlog");
    }

    private Path replay(String name, String... format) throws Exception {
        Path out = rig.work.resolve(name);
        String[] args = new String[3 + format.length];
        args[0] = "replay";
        args[1] = log.toString();
        args[2] = "--to-dat=" + out;
        System.arraycopy(format, 0, args, 3, format.length);
        Proc r = rig.track(Proc.virtioTrace(args));
        assertEquals(Exit.OK, r.waitFor(Duration.ofSeconds(60)), r.stderr());
        return out;
    }

    @Test
    void a_session_replayed_to_version_6_and_to_version_7_zstd_reports_the_same_events() throws Exception {
        Path v6 = replay("v6.dat");
        Path v7 = replay("v7.dat", "--compress", "zstd");
        TraceCmd.Run a = TraceCmd.report(v6);
        TraceCmd.Run b = TraceCmd.report(v7);
        assertEquals(0, b.exit(), b.err());
        assertTrue(a.events().size() > 1000, "a session with events: " + a.events().size());
        assertEquals(a.out(), b.out(), "trace-cmd report of the v7 file differs from the v6 file's");
        for (int cpu = 0; cpu < rig.cpus; cpu++) {
            assertEquals(TraceCmd.report(v6, "--cpu", Integer.toString(cpu)).out(),
                    TraceCmd.report(v7, "--cpu", Integer.toString(cpu)).out(), "report --cpu " + cpu);
        }
        TraceCmd.Run summary = TraceCmd.run("dump", "--summary", "-i", v7.toString());
        assertEquals(0, summary.exit(), summary.err());
        assertTrue(summary.text().contains("zstd") && summary.text().contains("7\t[Version]"), summary.text());
    }

    @Test
    void version_7_zstd_is_within_a_tenth_of_trace_cmds_own_conversion() throws Exception {
        Path v6 = replay("v6.dat");
        Path v7 = replay("v7.dat", "--compress", "zstd");
        Path theirs = rig.work.resolve("theirs.dat");
        TraceCmd.Run c = TraceCmd.run("convert", "-i", v6.toString(), "-o", theirs.toString(), "--file-version", "7",
                "--compression", "zstd");
        assertEquals(0, c.exit(), c.err());
        double ratio = Files.size(v7) / (double) Files.size(theirs);
        assertTrue(ratio <= 1.1, String.format("ours %d bytes, trace-cmd's %d: %.3fx", Files.size(v7),
                Files.size(theirs), ratio));
        assertTrue(Files.size(v7) < Files.size(v6) / 3, "compressed: " + Files.size(v7) + " of " + Files.size(v6));
    }

    @Test
    void version_7_without_compression_reads_the_same() throws Exception {
        Path v6 = replay("v6.dat");
        Path v7 = replay("v7.dat", "--file-version", "7");
        TraceCmd.Run b = TraceCmd.report(v7);
        assertEquals(0, b.exit(), b.err());
        assertEquals(TraceCmd.report(v6).out(), b.out());
        assertTrue(TraceCmd.run("dump", "--summary", "-i", v7.toString()).text().contains("none"));
    }

    @Test
    void version_6_cannot_be_compressed_and_is_refused_in_one_line() throws Exception {
        Proc r = rig.track(Proc.virtioTrace("replay", log.toString(), "--to-dat", rig.work.resolve("x.dat").toString(),
                "--file-version", "6", "--compress", "zstd"));
        assertEquals(Exit.USAGE, r.waitFor(Duration.ofSeconds(30)), r.stderr());
        assertTrue(r.stderr().lines().findFirst().orElse("").contains("version 6 cannot be compressed"), r.stderr());
        Proc g = rig.track(Proc.virtioTrace("replay", log.toString(), "--to-dat", rig.work.resolve("x.dat").toString(),
                "--compress", "gzip"));
        assertEquals(Exit.USAGE, g.waitFor(Duration.ofSeconds(30)), g.stderr());
        assertTrue(g.stderr().contains("compression gzip: zstd is the one"), g.stderr());
        assertTrue(Files.notExists(rig.work.resolve("x.dat")));
    }
}
