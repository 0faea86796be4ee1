package org.virtiotrace.host.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;

/**
 * A session log recorded on this machine (the agent on the real tracefs, FIFO ports), read by
 * src/test/python/read_vtlog.py: a simpletrace v4 reader written from QEMU's published layout
 * and the trace-events file alone, not from our writer. It must find every record ours finds,
 * and each CPU's data exactly as the collector received it. And QEMU's own scripts/simpletrace.py
 * (taken from Debian's qemu source package by src/test/python/fetch-qemu-simpletrace.sh) reads
 * every record of it with the shipped trace-events file.
 */
class IndependentReaderTest extends HostRigPerTest {
    private static final Path READER = Path.of("src/test/python/read_vtlog.py");
    private static final Path FETCH_QEMU = Path.of("src/test/python/fetch-qemu-simpletrace.sh");
    private static final Path QEMU_SCRIPTS = Path.of("/var/cache/virtio-trace-agent/qemu-simpletrace");
    private static final Path EVENTS = Path.of("src/main/resources/org/virtiotrace/host/session/trace-events");
    private static final Pattern CPU_DATA = Pattern.compile(
            "\"(\\d+)\": \\{\\s*\"bytes\": (\\d+),\\s*\"sha256\": \"([0-9a-f]{64})\"");

    private Path log;
    private Path raw;

    @BeforeEach
    void recordASession() throws Exception {
        raw = rig.work.resolve("raw");
        rig.recordSessionUnderLoad(loading::get, "--raw", raw.toString());
        log = rig.work.resolve("vm.vtlog");
        loading.set(false);
    }


    private Proc python(Path file) throws Exception {
        Proc p = rig.track(Proc.start(List.of("python3", READER.toString(), EVENTS.toString(), file.toString())));
        p.waitFor(Duration.ofSeconds(120));
        return p;
    }

    private static long ourCount(Path file) throws Exception {
        try (LogReader r = LogReader.open(file)) {
            long n = 0;
            for (Optional<LogRecord> o; (o = r.next()).isPresent(); ) {
                n++;
            }
            return n;
        }
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": (\\d+)").matcher(json);
        assertTrue(m.find(), name + " not in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void the_independent_reader_finds_every_record_and_each_cpus_data_as_received() throws Exception {
        Proc p = python(log);
        assertEquals(0, p.waitFor(Duration.ofSeconds(1)), p.stderr());
        String json = p.stdout();
        assertEquals(ourCount(log), field(json, "records"), json);
        assertEquals(0, field(json, "unknown"), json);
        assertEquals(0, field(json, "crc_failures"), "every record's CRC, computed by zlib: " + json);
        assertTrue(json.contains("\"cut\": null"), json);
        assertTrue(json.contains("\"timestamps_monotonic\": true"), json);
        assertTrue(json.contains("?hello/1\\n") && json.contains("?meta/2\\n") && json.contains("0\\n"),
                "the control port's writes: " + json);
        assertTrue(json.matches("(?s).*\"end\": \\{\\s*\"exit_status\": 0,.*"), json);
        Matcher m = CPU_DATA.matcher(json);
        int cpus = 0;
        while (m.find()) {
            Path cpuRaw = raw.resolve("cpu" + m.group(1) + ".raw");
            assertEquals(Files.size(cpuRaw), Long.parseLong(m.group(2)), cpuRaw + ": bytes");
            assertEquals(sha256(cpuRaw), m.group(3), cpuRaw + ": the data differs from the pages kept");
            cpus++;
        }
        assertEquals(rig.cpus, cpus, "one data entry per CPU: " + json);
    }

    @Test
    void the_independent_reader_reads_a_cut_log_up_to_its_last_whole_record_as_ours_does() throws Exception {
        Path cut = rig.work.resolve("cut.vtlog");
        Files.copy(log, cut);
        try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2 + 3);
        }
        Proc p = python(cut);
        assertEquals(3, p.waitFor(Duration.ofSeconds(1)), "exit 3 for a cut log: " + p.stderr());
        String json = p.stdout();
        assertEquals(ourCount(cut), field(json, "records"), json);
        assertTrue(json.contains("\"cut\": \"") && json.contains("\"end\": null"), json);
    }

    @Test
    void qemus_own_simpletrace_reads_every_record_with_the_shipped_events_file() throws Exception {
        Proc fetch = rig.track(Proc.start(List.of("bash", FETCH_QEMU.toString(), QEMU_SCRIPTS.toString())));
        assertEquals(0, fetch.waitFor(Duration.ofSeconds(600)), "cannot get QEMU's simpletrace.py: " + fetch.stderr());
        Proc p = rig.track(Proc.start(List.of("python3", QEMU_SCRIPTS.resolve("simpletrace.py").toString(),
                EVENTS.toString(), log.toString())));
        assertEquals(0, p.waitFor(Duration.ofSeconds(120)), p.stderr());
        List<String> lines = p.stdout().lines().toList();
        assertEquals(ourCount(log), lines.size(), "one line per record");
        assertTrue(lines.get(0).startsWith("vt_session ") && lines.get(0).contains("format_version=0x2"),
                lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("vt_ctl_write ") && l.contains("bytes=b'1\\n'")),
                "the start order, as QEMU's reader prints it");
        assertTrue(lines.get(lines.size() - 1).startsWith("vt_end ") && lines.get(lines.size() - 1)
                .contains("exit_status=0x0"), lines.get(lines.size() - 1));
        long data = lines.stream().filter(l -> l.startsWith("vt_data ")).count();
        assertTrue(data > 0, "data records");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("vt_cpu_clock ") && l.contains("heartbeats=")),
                "a CPU's clock from its heartbeats, as QEMU's reader prints it");
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
