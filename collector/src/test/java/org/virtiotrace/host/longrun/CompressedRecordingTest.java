package org.virtiotrace.host.longrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * record --compress zstd compresses the pages as they come (no raw spool on disk): every event
 * the kernel handed out is in the file, trace-cmd reads it, with and without --max-size.
 */
class CompressedRecordingTest extends HostRigPerTest {

    @Test
    void a_recording_compressed_as_it_comes_holds_every_event_the_kernel_handed_out() throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "3", "--compress", "zstd");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        loading.set(false);
        assertTrue(rec.stderr().contains("(trace.dat v7, zstd, "), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertEquals(rig.readEvents(), r.events().size(), "events decoded vs the kernel's read events");
        TraceCmd.Run summary = TraceCmd.run("dump", "--summary", "-i", dat.toString());
        assertTrue(summary.text().contains("zstd\t[Compression algorithm]"), summary.text());
        try (var left = Files.list(rig.work)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".virtio-trace-")), "spool removed");
        }
    }

    @Test
    void max_size_with_compression_keeps_the_newest_pages_and_the_last_marker() throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = MarkedStop.record(rig, "vt-last-words", "-o", dat.toString(), "--max-size", "4M", "--compress",
                "zstd");
        loading.set(false);
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().stream().anyMatch(l -> l.contains("vt-last-words")), "the marker just before the stop");
        assertTrue(rec.stderr().lines().anyMatch(l -> l.matches(
                "virtio-trace: cpu\\d+: .*kept the newest (\\d+) pages \\((3\\.\\d|4\\.0) MiB\\), dropped [1-9]\\d*, .*")),
                "some CPU kept just under 4 MiB of whole chunks and dropped the rest: " + rec.stderr());
        assertTrue(rec.stderr().lines().filter(l -> l.contains("kept the newest")).allMatch(l -> {
            long pages = Long.parseLong(l.replaceAll(".*kept the newest (\\d+) pages.*", "$1"));
            return pages <= 1024;
        }), rec.stderr());
    }
}
