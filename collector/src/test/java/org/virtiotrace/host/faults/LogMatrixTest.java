package org.virtiotrace.host.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.cli.Main;
import org.virtiotrace.host.session.LogReader;
import org.virtiotrace.host.session.LogRecord;
import org.virtiotrace.host.testing.MatrixCell;
import org.virtiotrace.host.testing.MatrixScript;
import org.virtiotrace.testkit.TraceCmd;
import picocli.CommandLine;

/**
 * Session logs as a disk, a crash or a stray write leave them, made from a real recording:
 * cut at the start of every kind of record and inside it, and a byte overwritten inside every
 * kind of record. {@code dump} and {@code replay --to-dat} exit 0 only for the whole log with
 * its end record, 8 for one cut or damaged, 9 for a file that is no session log, never 1; a
 * trace.dat replay makes is one trace-cmd reads; replay refuses only the pages a damage hits.
 */
class LogMatrixTest {
    @TempDir
    static Path tmp;
    private static Path log;
    private static byte[] whole;
    /** The first record of each kind in the log, by event name. */
    private static final Map<String, LogRecord> FIRST = new LinkedHashMap<>();
    private static final List<Long> ENDS = new ArrayList<>();

    @BeforeAll
    static void record() throws Exception {
        MatrixCell.Outcome o = MatrixCell.run(tmp.resolve("rec"), new MatrixCell.Spec(false,
                MatrixCell.When.DATA_FLOWING, null, MatrixCell.HostFault.NONE, false),
                MatrixScript.record(tmp.resolve("script")), 1.0, 1000);
        assertEquals(Exit.OK, o.exit(), o.stderr());
        log = o.out().resolve(MatrixCell.LOG);
        whole = Files.readAllBytes(log);
        try (LogReader r = LogReader.open(log)) {
            for (Optional<LogRecord> rec; (rec = r.next()).isPresent(); ) {
                FIRST.putIfAbsent(rec.get().name(), rec.get());
                ENDS.add(rec.get().offset());
            }
            assertTrue(r.end().whole(), r.end().describe());
        }
        ENDS.add((long) whole.length);
    }

    @Test
    void the_whole_log_dumps_and_replays_with_exit_0() throws Exception {
        Run dump = run(log, "dump");
        assertEquals(Exit.OK, dump.exit, dump.err);
        Run replay = run(log, "replay");
        assertEquals(Exit.OK, replay.exit, replay.err);
        assertTrue(replay.err.contains("as recorded"), replay.err);
    }

    @Test
    void a_file_that_is_no_session_log_is_refused_with_exit_9() throws Exception {
        Path dat = tmp.resolve("rec/out/" + MatrixCell.DAT);
        for (Path notALog : new Path[] {dat, Files.write(tmp.resolve("empty"), new byte[0])}) {
            for (String cmd : new String[] {"dump", "replay"}) {
                Run r = run(notALog, cmd);
                assertEquals(Exit.BAD_LOG, r.exit, cmd + " " + notALog + ": " + r.err);
                assertEquals(1, r.err.lines().count(), "one line: " + r.err);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> every_kind_of_record_cut_or_overwritten_gives_exit_8() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LogRecord first : FIRST.values()) {
            long start = first.offset();
            long next = ENDS.stream().filter(e -> e > start).findFirst().orElseThrow();
            String kind = first.name();
            tests.add(DynamicTest.dynamicTest("cut where " + kind + " starts", () ->
                    expectIncomplete(cut(start, kind + "-boundary"), "no end record")));
            tests.add(DynamicTest.dynamicTest("cut inside " + kind, () ->
                    expectIncomplete(cut(start + (next - start) / 2, kind + "-inside"), "cut short")));
            tests.add(DynamicTest.dynamicTest("a byte overwritten in " + kind + "'s timestamp", () ->
                    expectIncomplete(overwrite(start + 8 + 8 + 3, kind + "-stamp"), "damaged")));
            tests.add(DynamicTest.dynamicTest("a byte overwritten in " + kind + "'s last argument", () ->
                    expectIncomplete(overwrite(next - 9, kind + "-arg"), "damaged")));
        }
        return tests.stream();
    }

    @Test
    void eight_overwritten_page_bytes_cost_at_most_eight_pages_in_replay() throws Exception {
        byte[] b = whole.clone();
        List<long[]> chunks = new ArrayList<>(); // where each vt_data chunk's bytes lie in the file
        long total = 0;
        try (LogReader r = LogReader.open(log)) {
            for (Optional<LogRecord> rec; (rec = r.next()).isPresent(); ) {
                if (rec.get().name().equals("vt_data")) {
                    // after the type word, the event header, the cpu and the byte string's length
                    chunks.add(new long[] {rec.get().offset() + 8 + 24 + 8 + 4, rec.get().size(1)});
                    total += rec.get().size(1);
                }
            }
        }
        assertTrue(total > 16 * 4096, "pages recorded: " + total / 4096);
        for (int i = 0; i < 8; i++) {
            // spread over the pages (never two in one), each inside a page's header or its first events
            long want = total * (2 * i + 1) / 16 / 4096 * 4096 + 3 + 11 * i;
            for (long[] c : chunks) {
                if (want < c[1]) {
                    b[(int) (c[0] + want)] ^= 0x5a;
                    break;
                }
                want -= c[1];
            }
        }
        Path damaged = Files.write(tmp.resolve("eight.vtlog"), b);
        Run r = run(damaged, "replay");
        assertEquals(Exit.INCOMPLETE, r.exit, r.err);
        Matcher m = Pattern.compile("(\\d+) torn pages refused").matcher(r.err);
        long refused = 0;
        while (m.find()) {
            refused += Long.parseLong(m.group(1));
        }
        assertTrue(refused >= 1 && refused <= 8, "refused " + refused + " pages for 8 damaged bytes: " + r.err);
        assertReadable(r);
    }

    private static Path cut(long at, String name) throws Exception {
        return Files.write(tmp.resolve(name + ".vtlog"), java.util.Arrays.copyOf(whole, (int) at));
    }

    private static Path overwrite(long at, String name) throws Exception {
        byte[] b = whole.clone();
        b[(int) at] ^= 0x41;
        return Files.write(tmp.resolve(name + ".vtlog"), b);
    }

    private static void expectIncomplete(Path damaged, String says) throws Exception {
        Run dump = run(damaged, "dump");
        assertEquals(Exit.INCOMPLETE, dump.exit, "dump: " + dump.err);
        assertTrue((dump.out + dump.err).contains(says), "dump says '" + says + "': " + dump.err + dump.out
                .lines().reduce((a, b) -> b).orElse(""));
        Run replay = run(damaged, "replay");
        assertEquals(Exit.INCOMPLETE, replay.exit, "replay: " + replay.err);
        assertFalse(replay.err.contains("Exception") || replay.err.contains("\tat "), replay.err);
        assertReadable(replay);
    }

    /** A trace.dat replay made is one trace-cmd reads. */
    private static void assertReadable(Run replay) throws Exception {
        if (Files.exists(replay.dat)) {
            TraceCmd.Run report = TraceCmd.report(replay.dat);
            assertEquals(0, report.exit(), report.err());
        } else {
            assertTrue(replay.err.contains("no metadata") || replay.err.contains("no trace.dat"), replay.err);
        }
    }

    private record Run(int exit, String out, String err, Path dat) {
    }

    /** dump, or replay --to-dat, in this process, with picocli's writers taken. */
    private static Run run(Path file, String command) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Path dat = file.resolveSibling(file.getFileName() + ".dat");
        Files.deleteIfExists(dat);
        int exit = command.equals("dump") ? cl.execute("dump", file.toString())
                : cl.execute("replay", file.toString(), "--to-dat", dat.toString());
        assertTrue(exit != Exit.SOFTWARE, command + " exit 1 is a bug: " + err);
        return new Run(exit, out.toString(), err.toString(), dat);
    }
}
