package org.virtiotrace.host.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session log's frame and its reader's rules (docs/session-log.md), on logs this writer makes. */
class SessionLogFormatTest {
    @TempDir
    Path dir;

    /** A small log with one record of every kind that carries bytes, and a few MB of data. */
    private Path sampleLog(int chunks) throws IOException {
        Path p = dir.resolve("s.vtlog");
        try (SessionLog log = SessionLog.create(p, "/tmp/ports", "virtio-trace test")) {
            log.event(SessionEvent.CTL_OPEN, "/tmp/ports/agent-ctl-path.out");
            log.event(SessionEvent.CTL_WRITE, "?hello/1\n");
            log.begin("trace-agent test");
            log.event(SessionEvent.DATA_OPEN, 0, "/tmp/ports/trace-path-cpu0.out");
            log.event(SessionEvent.CTL_WRITE, "1\n");
            Random r = new Random(7);
            ByteBuffer b = ByteBuffer.allocateDirect(64 << 10);
            for (int i = 0; i < chunks; i++) {
                byte[] page = new byte[4096 * (1 + r.nextInt(15))];
                r.nextBytes(page);
                b.clear().put(page);
                log.chunk(SessionEvent.DATA, i % 2, b, 0, page.length);
            }
            log.event(SessionEvent.PROGRESS, 0, 1, 2, 3, 4);
            log.event(SessionEvent.CTL_WRITE, "0\n");
            log.end(0);
        }
        return p;
    }

    private static List<LogRecord> readAll(LogReader r) throws IOException {
        List<LogRecord> all = new ArrayList<>();
        for (Optional<LogRecord> o; (o = r.next()).isPresent(); ) {
            all.add(o.get());
        }
        return all;
    }

    @Test
    void the_trace_events_file_declares_every_event_as_the_writer_writes_it() {
        Pattern decl = Pattern.compile("^(\\w+)\\(([^)]*)\\)\\s+\".*\"$");
        List<String> seen = new ArrayList<>();
        for (String line : SessionEvent.traceEventsFile().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = decl.matcher(line);
            assertTrue(m.matches(), "not a trace-events declaration: " + line);
            SessionEvent e = SessionEvent.byName(m.group(1)).orElseThrow(() -> new AssertionError(
                    "the file declares " + m.group(1) + ", the writer does not know it"));
            List<SessionEvent.Arg> args = new ArrayList<>();
            if (!m.group(2).equals("void")) {
                for (String a : m.group(2).split(",")) {
                    args.add(a.trim().startsWith("const char *") ? SessionEvent.Arg.BYTES : SessionEvent.Arg.U64);
                    assertTrue(a.trim().startsWith("const char *") || a.trim().startsWith("uint64_t "), a);
                }
            }
            assertEquals(SessionEvent.Arg.U64, args.remove(args.size() - 1), e.wireName() + " ends with its crc");
            assertTrue(m.group(2).endsWith("uint64_t crc"), e.wireName() + " ends with its crc");
            assertEquals(e.args(), args, e.wireName());
            seen.add(e.wireName());
        }
        assertEquals(SessionEvent.values().length, seen.size(), "every event declared once: " + seen);
    }

    @Test
    void a_log_reads_back_every_record_in_order_with_its_arguments() throws Exception {
        Path p = sampleLog(20);
        try (LogReader r = LogReader.open(p)) {
            List<LogRecord> all = readAll(r);
            assertEquals(SessionEvent.SESSION, all.get(0).event(), "the session's description comes first");
            assertEquals("trace-agent test", r.session().text(7));
            assertEquals("/tmp/ports", r.session().text(8));
            assertEquals(SessionEvent.CTL_OPEN, all.get(1).event(), "then what was held until the handshake");
            assertEquals("?hello/1\n", all.get(2).text(0));
            assertEquals(SessionEvent.END, all.get(all.size() - 1).event());
            assertEquals(all.size() - 1, all.get(all.size() - 1).u64(1), "vt_end counts the records before it");
            assertTrue(r.end().whole(), r.end().describe());
            for (int i = 1; i < all.size(); i++) {
                assertTrue(all.get(i).timestamp() >= all.get(i - 1).timestamp() || i <= 3, "timestamps in order");
            }
            assertEquals(20, all.stream().filter(x -> x.is(SessionEvent.DATA)).count());
        }
    }

    @Test
    void a_first_pass_skips_the_datas_bytes_but_knows_their_sizes() throws Exception {
        Path p = sampleLog(20);
        List<LogRecord> read;
        List<LogRecord> skipped;
        try (LogReader r = LogReader.open(p)) {
            read = readAll(r);
        }
        try (LogReader r = LogReader.openSkippingData(p)) {
            skipped = readAll(r);
            assertTrue(r.end().whole());
        }
        assertEquals(read.size(), skipped.size());
        for (int i = 0; i < read.size(); i++) {
            if (read.get(i).is(SessionEvent.DATA)) {
                assertEquals(read.get(i).bytes(1).length, skipped.get(i).size(1));
                assertEquals(read.get(i).u64(0), skipped.get(i).u64(0));
            } else {
                assertEquals(read.get(i).name(), skipped.get(i).name());
            }
        }
    }

    @Test
    void a_log_cut_at_any_byte_reads_back_up_to_its_last_whole_record() throws Exception {
        Path p = sampleLog(12);
        byte[] whole = Files.readAllBytes(p);
        List<Long> ends = new ArrayList<>();
        try (LogReader r = LogReader.open(p)) {
            List<LogRecord> all = readAll(r);
            for (int i = 1; i < all.size(); i++) {
                ends.add(all.get(i).offset());
            }
            ends.add((long) whole.length);
            ends.add((long) all.get(0).offset());
        }
        Path cut = dir.resolve("cut.vtlog");
        int headerEnd = firstEventOffset(p);
        long mappingEnd = 24;
        for (SessionEvent e : SessionEvent.values()) {
            ends.add(mappingEnd); // whole mapping records end here: no event record yet
            mappingEnd += 8 + 8 + 4 + e.wireName().length();
        }
        java.util.TreeSet<Integer> cuts = new java.util.TreeSet<>();
        for (long e : ends) {
            cuts.add((int) e); // every record boundary, and a byte either side of it
            cuts.add((int) e - 1);
            cuts.add(Math.min((int) e + 1, whole.length - 1));
        }
        Random random = new Random(11);
        for (int i = 0; i < 2000; i++) {
            cuts.add(24 + random.nextInt(whole.length - 24)); // and anywhere
        }
        for (int at = 24; at < headerEnd + 300; at++) {
            cuts.add(at);
        }
        for (int at : cuts.tailSet(24)) {
            Files.write(cut, java.util.Arrays.copyOf(whole, at));
            long expect = 0;
            for (long e : ends) {
                if (e <= at && e > headerEnd) {
                    expect++;
                }
            }
            try (LogReader r = LogReader.open(cut)) {
                long n = readAll(r).size();
                assertEquals(expect, n, "records read from a log cut at byte " + at);
                boolean boundary = at == headerEnd || ends.contains((long) at);
                // only the whole file has its end record: a cut between records is a recording that did not finish
                assertEquals(at == whole.length ? LogEnd.Kind.WHOLE : LogEnd.Kind.CUT, r.end().kind(), "cut at " + at);
                if (at != whole.length) {
                    assertTrue(r.end().describe().contains(boundary ? "no end record" : "cut short"),
                            r.end().describe());
                }
            } catch (LogFormatException e) {
                throw new AssertionError("cut at " + at + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void a_file_that_is_not_a_session_log_is_refused_in_one_line() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a trace at all, just some words\n");
        LogFormatException e = assertThrows(LogFormatException.class, () -> LogReader.open(text));
        assertTrue(e.getMessage().contains("not a session log"), e.getMessage());
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertTrue(assertThrows(LogFormatException.class, () -> LogReader.open(empty)).getMessage()
                .contains("empty"));
    }

    @Test
    void a_simpletrace_file_of_another_version_is_refused() throws Exception {
        Path p = sampleLog(1);
        patchU64(p, 16, 3);
        assertTrue(assertThrows(LogFormatException.class, () -> LogReader.open(p)).getMessage()
                .contains("version 3"));
    }

    @Test
    void a_log_of_a_newer_format_is_refused_naming_the_version_that_wrote_it() throws Exception {
        Path p = sampleLog(1);
        long session = firstEventOffset(p);
        patchU64(p, session + 8 + 24 + 8, 3); // type, event header, endian magic: then format_version
        String m = assertThrows(LogFormatException.class, () -> LogReader.open(p)).getMessage();
        assertTrue(m.contains("newer virtio-trace (virtio-trace test, session log format 3)"), m);
    }

    @Test
    void a_record_whose_length_runs_past_the_end_reads_as_a_cut_log() throws Exception {
        Path p = sampleLog(2);
        long dataAt = offsetOf(p, SessionEvent.DATA);
        patchU32(p, dataAt + 8 + 16, 0x7fff_0000);
        try (LogReader r = LogReader.open(p)) {
            long before = readAll(r).size();
            assertEquals(LogEnd.Kind.CUT, r.end().kind(), r.end().describe());
            assertEquals(dataAt, r.end().offset());
            assertTrue(before > 0);
        }
    }

    @Test
    void a_record_shorter_than_its_arguments_is_damaged_and_reading_stops_there() throws Exception {
        Path p = sampleLog(2);
        long dataAt = offsetOf(p, SessionEvent.DATA);
        patchU32(p, dataAt + 8 + 16, 24 + 8 + 4 + 10);
        try (LogReader r = LogReader.open(p)) {
            readAll(r);
            assertEquals(LogEnd.Kind.DAMAGED, r.end().kind(), r.end().describe());
            assertTrue(r.end().describe().contains("vt_data"), r.end().describe());
        }
    }

    @Test
    void an_unknown_record_type_stops_reading_and_says_where() throws Exception {
        Path p = sampleLog(1);
        long size = Files.size(p);
        append(p, u64(7), u64(0), u64(0));
        try (LogReader r = LogReader.open(p)) {
            readAll(r);
            assertEquals(LogEnd.Kind.DAMAGED, r.end().kind());
            assertEquals(size, r.end().offset());
            assertTrue(r.end().describe().contains("record type 7"), r.end().describe());
        }
    }

    @Test
    void an_event_this_version_does_not_know_is_skipped_by_its_length() throws Exception {
        Path p = sampleLog(1);
        byte[] name = "vt_from_the_future".getBytes(StandardCharsets.US_ASCII);
        append(p, u64(0), u64(99), u32(name.length), name, event(99, u64(5), u64(6)),
                note(SessionEvent.NOTE.id(), "after it"));
        try (LogReader r = LogReader.open(p)) {
            List<LogRecord> all = readAll(r);
            assertEquals("vt_from_the_future", all.get(all.size() - 2).name());
            assertEquals("after it", all.get(all.size() - 1).text(0));
            assertEquals(1, r.unknownRecords());
            assertTrue(r.end().whole());
        }
    }

    @Test
    void an_event_this_version_does_not_know_whose_crc_fails_is_damaged_not_skipped() throws Exception {
        Path p = sampleLog(1);
        byte[] unknown = event(99, u64(5));
        unknown[unknown.length - 1] ^= 1;
        byte[] name = "vt_from_the_future".getBytes(StandardCharsets.US_ASCII);
        append(p, u64(0), u64(99), u32(name.length), name, unknown, note(SessionEvent.NOTE.id(), "after it"));
        try (LogReader r = LogReader.open(p)) {
            List<LogRecord> all = readAll(r);
            assertEquals("after it", all.get(all.size() - 1).text(0), "reading goes on after it");
            assertEquals(0, r.unknownRecords());
            assertEquals(1, r.damagedRecords());
            assertEquals(LogEnd.Kind.DAMAGED, r.end().kind());
        }
    }

    @Test
    void a_byte_overwritten_inside_any_record_fails_its_crc_and_the_log_reads_as_damaged() throws Exception {
        Path p = sampleLog(3);
        List<LogRecord> records;
        try (LogReader r = LogReader.open(p)) {
            records = readAll(r);
            assertTrue(r.end().whole());
        }
        byte[] clean = Files.readAllBytes(p);
        for (LogRecord rec : records) {
            // the record's last argument byte before its CRC: a string's content, or a number's top byte
            long next = records.stream().filter(x -> x.offset() > rec.offset()).mapToLong(LogRecord::offset).min()
                    .orElse(clean.length);
            int at = (int) next - 9;
            byte[] damaged = clean.clone();
            damaged[at] ^= 0x20;
            Files.write(p, damaged);
            try (LogReader r = LogReader.open(p)) {
                List<LogRecord> again = readAll(r);
                assertEquals(records.size(), again.size(), "every record is still read: " + rec.name());
                assertFalse(again.get((int) rec.index()).intact(), rec.name() + " is marked damaged");
                assertEquals(1, r.damagedRecords(), rec.name());
                assertEquals(LogEnd.Kind.DAMAGED, r.end().kind(), rec.name());
                assertFalse(r.end().whole(), rec.name());
            }
        }
    }

    @Test
    void a_mapping_record_mid_stream_binds_its_id_from_there_on() throws Exception {
        Path p = sampleLog(1);
        byte[] name = "vt_note".getBytes(StandardCharsets.US_ASCII);
        append(p, u64(0), u64(50), u32(name.length), name, note(50, "mapped late"));
        try (LogReader r = LogReader.open(p)) {
            List<LogRecord> all = readAll(r);
            LogRecord last = all.get(all.size() - 1);
            assertEquals(SessionEvent.NOTE, last.event());
            assertEquals("mapped late", last.text(0));
        }
    }

    @Test
    void a_full_disk_leaves_a_log_of_whole_records_that_reads_as_unfinished() throws Exception {
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small.toString())
                .inheritIO().start();
        assertEquals(0, m.waitFor());
        try {
            Path p = small.resolve("full.vtlog");
            SessionLog log = SessionLog.create(p, "t", "virtio-trace test");
            log.begin("a");
            ByteBuffer b = ByteBuffer.allocateDirect(20_000);
            for (int i = 0; i < 10; i++) {
                log.chunk(SessionEvent.DATA, 0, b, 0, 20_000);
            }
            assertNotNull(log.failure(), "the failure is kept for the summary");
            assertTrue(log.failure().contains("the recording goes on without it"), log.failure());
            log.end(0);
            try (LogReader r = LogReader.open(p)) {
                long n = readAll(r).size();
                // whole records up to the failure, and no end record after it: a log that did not finish
                assertEquals(LogEnd.Kind.CUT, r.end().kind(), r.end().describe());
                assertTrue(r.end().describe().contains("no end record"), r.end().describe());
                assertEquals(n, log.records());
                assertTrue(n >= 2 && n < 11, "some data records fit: " + n);
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void byte_strings_survive_as_written() throws Exception {
        Path p = dir.resolve("b.vtlog");
        byte[] bin = new byte[300];
        new Random(3).nextBytes(bin);
        try (SessionLog log = SessionLog.create(p, "t", "c")) {
            log.begin("a");
            log.event(SessionEvent.META_FILES, bin);
            log.event(SessionEvent.NOTE, "");
        }
        try (LogReader r = LogReader.open(p)) {
            List<LogRecord> all = readAll(r);
            assertArrayEquals(bin, all.get(1).bytes(0));
            assertEquals(0, all.get(2).bytes(0).length);
        }
    }

    // --- helpers: offsets and patches in the file's (this machine's) byte order

    private static int firstEventOffset(Path p) throws Exception {
        try (LogReader r = LogReader.open(p)) {
            return (int) r.session().offset();
        }
    }

    private static long offsetOf(Path p, SessionEvent e) throws Exception {
        try (LogReader r = LogReader.open(p)) {
            return readAll(r).stream().filter(x -> x.is(e)).findFirst().orElseThrow().offset();
        }
    }

    private static void patchU64(Path p, long at, long v) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(u64(v)), at);
        }
    }

    private static void patchU32(Path p, long at, int v) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(u32(v)), at);
        }
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** An event record with one byte-string argument. */
    private static byte[] note(long id, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return event(id, u32(t.length), t);
    }

    /** An event record of format 2: its arguments' bytes, then the CRC-32 of it from the id on. */
    private static byte[] event(long id, byte[]... args) {
        int n = 0;
        for (byte[] a : args) {
            n += a.length;
        }
        ByteBuffer b = ByteBuffer.allocate(8 + 24 + n + 8).order(ByteOrder.nativeOrder());
        b.putLong(1).putLong(id).putLong(9).putInt(24 + n + 8).putInt(1);
        for (byte[] a : args) {
            b.put(a);
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 8, 24 + n);
        return b.putLong(crc.getValue()).array();
    }

    private static void append(Path p, byte[]... parts) throws IOException {
        for (byte[] b : parts) {
            Files.write(p, b, StandardOpenOption.APPEND);
        }
    }
}
