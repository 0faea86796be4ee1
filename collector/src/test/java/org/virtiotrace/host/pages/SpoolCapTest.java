package org.virtiotrace.host.pages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.host.tracedat.ChunkedPages;
import org.virtiotrace.host.tracedat.CpuData;
import org.virtiotrace.host.tracedat.ZstdChunks;

/**
 * A spool under --max-size keeps exactly the newest pages, whole, and never more than about twice
 * the cap on disk; as it is, and compressed as the pages come.
 */
class SpoolCapTest {
    private static final int PAGE = 4096;
    private static final PageFormat FORMAT = new PageFormat(PAGE, ByteOrder.nativeOrder(), 8);

    /** Page {@code i}: its header time is i + 1, the rest its number, so pages tell apart and compress. */
    private static byte[] page(int i) {
        byte[] p = new byte[PAGE];
        Arrays.fill(p, (byte) (i * 7));
        ByteBuffer.wrap(p).order(FORMAT.order()).putLong(0, i + 1).putInt(8, i);
        return p;
    }

    /** Writes {@code pages} pages in runs of {@code run}; returns every byte written, in order. */
    private static byte[] feed(Spool s, int pages, int run) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long maxDisk = 0;
        for (int i = 0; i < pages; i += run) {
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            for (int k = i; k < Math.min(pages, i + run); k++) {
                r.write(page(k));
            }
            s.write(ByteBuffer.wrap(r.toByteArray()), i + 1);
            all.write(r.toByteArray());
            maxDisk = Math.max(maxDisk, s.onDisk());
        }
        s.finish();
        lastMaxDisk = maxDisk;
        return all.toByteArray();
    }

    private static long lastMaxDisk;

    private static byte[] pagesOf(CpuData d) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        d.copyTo(Channels.newChannel(out));
        return out.toByteArray();
    }

    private static byte[] tail(byte[] all, long n) {
        return Arrays.copyOfRange(all, all.length - (int) n, all.length);
    }

    @Test
    void a_capped_spool_keeps_the_newest_pages_up_to_the_cap_and_at_most_twice_that_on_disk(@TempDir Path dir)
            throws Exception {
        long cap = 40L * PAGE;
        try (SpoolFile s = SpoolFile.open(dir.resolve("cpu0.raw"), cap + 100, PAGE)) {
            byte[] all = feed(s, 500, 7);
            assertEquals(cap, s.kept(), "the cap, rounded down to whole pages");
            assertEquals(all.length - cap, s.dropped());
            assertArrayEquals(tail(all, cap), pagesOf(s.data()), "the newest 40 pages, in order");
            assertEquals(500 - 40 + 1, s.firstKeptTimestamp(FORMAT.order()));
            assertTrue(lastMaxDisk <= 2 * cap + 7 * PAGE, "on disk at most " + lastMaxDisk);
        }
    }

    @Test
    void a_spool_without_a_cap_keeps_everything(@TempDir Path dir) throws Exception {
        try (SpoolFile s = SpoolFile.open(dir.resolve("cpu0.raw"), 0, PAGE)) {
            byte[] all = feed(s, 100, 3);
            assertEquals(0, s.dropped());
            assertArrayEquals(all, pagesOf(s.data()));
        }
    }

    @Test
    void a_compressed_spool_keeps_whole_chunks_of_the_newest_pages_up_to_the_cap(@TempDir Path dir)
            throws Exception {
        int chunk = ZstdChunks.PAGES_IN_CHUNK;
        long cap = 3L * chunk * PAGE + 5 * PAGE; // three chunks and a bit: the bit cannot be kept
        try (CompressedSpool s = CompressedSpool.open(dir.resolve("cpu0.zst"), cap, FORMAT)) {
            byte[] all = feed(s, 20 * chunk + 17, 9);
            CpuData d = s.data();
            // the last chunk is the 17 pages written last; with it, two whole chunks before fit the cap
            long kept = 2L * chunk * PAGE + 17L * PAGE;
            assertEquals(kept, s.kept());
            assertEquals(3, ((ChunkedPages) d).chunkCount());
            assertArrayEquals(tail(all, kept), pagesOf(d), "the newest whole chunks, decompressed, in order");
            assertEquals(all.length / PAGE - kept / PAGE + 1, s.firstKeptTimestamp(FORMAT.order()));
            assertTrue(lastMaxDisk < 2 * cap, "the chunks on disk: " + lastMaxDisk);
        }
    }

    @Test
    void a_compressed_spool_without_a_cap_gives_back_every_page(@TempDir Path dir) throws Exception {
        try (CompressedSpool s = CompressedSpool.open(dir.resolve("cpu0.zst"), 0, FORMAT)) {
            byte[] all = feed(s, 3 * ZstdChunks.PAGES_IN_CHUNK + 1, 11);
            assertEquals(4, ((ChunkedPages) s.data()).chunkCount());
            assertArrayEquals(all, pagesOf(s.data()));
            assertEquals(1, s.firstKeptTimestamp(FORMAT.order()));
            assertTrue(s.onDisk() < all.length / 10, "compressed: " + s.onDisk() + " of " + all.length);
        }
    }
}
