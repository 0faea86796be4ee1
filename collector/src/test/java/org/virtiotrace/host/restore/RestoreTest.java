package org.virtiotrace.host.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.pages.CompressedSpool;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * virtio-trace restore: what a recording left in a directory (its metadata and pages, raw or
 * compressed as record --compress keeps them) becomes a trace.dat trace-cmd reads, with the same
 * events. The recording is the agent's on this machine (private instance, FIFO ports).
 */
class RestoreTest extends HostRigPerTest {
    private Path raw;
    private List<String> recorded;

    @BeforeEach
    void recordWithRaw() throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        raw = rig.work.resolve("raw");
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2", "--raw", raw.toString(), "--sync-probes", "0");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        loading.set(false);
        recorded = TraceCmd.report(dat).events();
        assertTrue(recorded.size() > 1000, "a recording with events: " + recorded.size());
    }

    private Proc restore(Path dir, Path out, String... more) throws Exception {
        String[] args = new String[4 + more.length];
        args[0] = "restore";
        args[1] = dir.toString();
        args[2] = "-o";
        args[3] = out.toString();
        System.arraycopy(more, 0, args, 4, more.length);
        Proc p = rig.track(Proc.virtioTrace(args));
        p.waitFor(Duration.ofSeconds(60));
        return p;
    }

    /** A copy of the raw directory with each CPU's pages compressed as record --compress keeps them. */
    private Path compressedCopy(long cap) throws Exception {
        Path dir = rig.work.resolve("zst-" + cap);
        try (var files = Files.walk(raw)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = dir.resolve(raw.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else if (!p.getFileName().toString().endsWith(".raw")) {
                    Files.copy(p, to);
                }
            }
        }
        PageFormat f = new PageFormat(4096, ByteOrder.nativeOrder(), 8);
        for (int cpu = 0; cpu < rig.cpus; cpu++) {
            byte[] pages = Files.readAllBytes(raw.resolve("cpu" + cpu + ".raw"));
            try (CompressedSpool s = CompressedSpool.open(dir.resolve("cpu" + cpu + ".zst"), cap, f)) {
                for (int at = 0; at < pages.length; at += 4096) {
                    s.write(ByteBuffer.wrap(pages, at, 4096), 0);
                }
                s.finish();
            }
        }
        return dir;
    }

    @Test
    void a_raw_directory_restores_to_the_events_the_recording_wrote() throws Exception {
        Path out = rig.work.resolve("restored.dat");
        Proc p = restore(raw, out);
        assertEquals(Exit.OK, p.waitFor(Duration.ofSeconds(1)), p.stderr());
        assertEquals(recorded, TraceCmd.report(out).events());
    }

    @Test
    void pages_kept_compressed_restore_to_the_same_events_in_version_6_and_7() throws Exception {
        Path dir = compressedCopy(0);
        Path v6 = rig.work.resolve("v6.dat");
        Path v7 = rig.work.resolve("v7.dat");
        assertEquals(Exit.OK, restore(dir, v6).waitFor(Duration.ofSeconds(1)));
        Proc p = restore(dir, v7, "--compress", "zstd");
        assertEquals(Exit.OK, p.waitFor(Duration.ofSeconds(1)), p.stderr());
        assertTrue(p.stderr().contains("(trace.dat v7, zstd, "), p.stderr());
        assertEquals(recorded, TraceCmd.report(v6).events());
        assertEquals(recorded, TraceCmd.report(v7).events());
    }

    @Test
    void a_capped_pair_restores_to_the_newest_events_in_order() throws Exception {
        Path dir = compressedCopy(64 * 4096);
        assertTrue(Files.exists(dir.resolve("cpu0.zst.old")) || Files.exists(dir.resolve("cpu1.zst.old")),
                "the recording was long enough to fill a cap of one chunk");
        Path out = rig.work.resolve("capped.dat");
        Proc p = restore(dir, out, "--compress", "zstd");
        assertEquals(Exit.OK, p.waitFor(Duration.ofSeconds(1)), p.stderr());
        List<String> events = TraceCmd.report(out).events();
        assertTrue(!events.isEmpty() && events.size() < recorded.size(), events.size() + " of " + recorded.size());
        assertEquals(recorded.get(recorded.size() - 1), events.get(events.size() - 1), "the newest event kept");
    }

    @Test
    void a_directory_without_metadata_is_refused_in_one_line() throws Exception {
        Path empty = Files.createDirectories(rig.work.resolve("empty"));
        Proc p = restore(empty, rig.work.resolve("x.dat"));
        assertEquals(Exit.NO_METADATA, p.waitFor(Duration.ofSeconds(1)), p.stderr());
        assertEquals(1, p.stderr().lines().count(), p.stderr());
        assertTrue(p.stderr().contains("no events/header_page"), p.stderr());
    }
}
