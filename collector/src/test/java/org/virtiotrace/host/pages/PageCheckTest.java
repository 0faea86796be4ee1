package org.virtiotrace.host.pages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.testkit.PageCorpus;

/**
 * Which pages are whole, and where whole pages start again after bytes were lost, on real pages
 * ({@link PageCorpus#markers}): markers (pages of look-alike events, the hard case), scheduler
 * switches and timer starts (whose payloads hold times on the trace clock).
 */
class PageCheckTest {
    private static byte[] pages;
    private static int page;

    @BeforeAll
    static void record(@TempDir Path tmp) throws Exception {
        PageCorpus corpus = PageCorpus.markers(tmp);
        pages = corpus.pages();
        page = corpus.pageSize();
        // kept for whoever has to look at a failure
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target/pagecheck-pages.raw"), pages);
        assertTrue(pages.length >= 40 * page, "need 40 pages on cpu0, got " + pages.length / page);
    }

    /** The stream with {@code lost} bytes gone from page {@code cut}, 500 bytes into it. */
    private static byte[] withLoss(int cut, int lost) {
        byte[] t = new byte[pages.length - lost];
        System.arraycopy(pages, 0, t, 0, cut * page + 500);
        System.arraycopy(pages, cut * page + 500 + lost, t, cut * page + 500, pages.length - cut * page - 500 - lost);
        return t;
    }

    /** What a spool keeps of {@code stream} fed in pieces of random sizes. */
    private static byte[] spool(byte[] stream, long seed, Path dir) throws Exception {
        Path f = dir.resolve("spool-" + seed);
        Random rnd = new Random(seed);
        try (FileChannel out = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            PageSpool spool = new PageSpool(out, new PageCheck(PageFormat.local(page)));
            for (int at = 0; at < stream.length; ) {
                ByteBuffer b = spool.buffer();
                int n = Math.min(Math.min(1 + rnd.nextInt(3 * page), b.remaining()), stream.length - at);
                b.put(stream, at, n);
                at += n;
                spool.consume(false);
            }
            spool.consume(true);
        }
        return Files.readAllBytes(f);
    }

    /** The original pages but those in [from, to]. */
    private static byte[] without(int from, int to) {
        byte[] out = new byte[pages.length - (to - from + 1) * page];
        System.arraycopy(pages, 0, out, 0, from * page);
        System.arraycopy(pages, (to + 1) * page, out, from * page, pages.length - (to + 1) * page);
        return out;
    }

    @Test
    void after_100_bytes_lost_anywhere_in_the_first_35_pages_only_the_page_that_lost_them_is_gone(
            @TempDir Path dir) throws Exception {
        for (int cut = 1; cut < 36; cut++) {
            assertArrayEquals(without(cut, cut), spool(withLoss(cut, 100), cut, dir), "cut " + cut);
        }
    }

    @Test
    void after_more_than_a_page_is_lost_only_the_pages_it_touched_are_gone(@TempDir Path dir) throws Exception {
        for (int cut = 1; cut < 36; cut++) {
            assertArrayEquals(without(cut, cut + 1), spool(withLoss(cut, page + 300), cut, dir), "cut " + cut);
        }
    }

    @Test
    void a_page_whose_time_was_overwritten_far_ahead_is_the_only_one_refused(@TempDir Path dir) throws Exception {
        for (int hit = 3; hit < 30; hit += 7) {
            byte[] t = pages.clone();
            ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.nativeOrder());
            b.putLong(hit * page, b.getLong(hit * page) + 3_600_000_000_000L); // an hour ahead: it walks, and is accepted
            assertArrayEquals(without(hit, hit), spool(t, hit, dir), "page " + hit + " an hour ahead");
        }
    }

    @Test
    void eight_small_overwrites_cost_at_most_the_pages_they_hit(@TempDir Path dir) throws Exception {
        Random rnd = new Random(18);
        for (int round = 0; round < 10; round++) {
            byte[] t = pages.clone();
            java.util.Set<Integer> hit = new java.util.TreeSet<>();
            for (int i = 0; i < 8; i++) {
                int at = rnd.nextInt(t.length - 4);
                for (int k = 0; k < 4; k++) {
                    t[at + k] = (byte) rnd.nextInt(256);
                }
                hit.add(at / page);
                hit.add((at + 3) / page);
            }
            byte[] kept = spool(t, round, dir);
            int missing = 0;
            for (int p = 0, q = 0; p < pages.length / page; p++) {
                boolean there = q + page <= kept.length
                        && java.util.Arrays.equals(t, p * page, (p + 1) * page, kept, q, q + page);
                if (there) {
                    q += page;
                } else {
                    missing++;
                    assertTrue(hit.contains(p), "round " + round + ": page " + p + " was refused, but no overwrite hit it "
                            + "(hit: " + hit + ")");
                }
            }
            assertTrue(missing <= hit.size(), "round " + round + ": " + missing + " pages refused for " + hit.size());
        }
    }

    @Test
    void every_page_of_an_untouched_stream_is_accepted() {
        PageCheck check = new PageCheck(PageFormat.local(page));
        ByteBuffer b = ByteBuffer.wrap(pages).order(ByteOrder.nativeOrder());
        for (int pos = 0; pos + page <= pages.length; pos += page) {
            assertTrue(check.accept(b, pos), "page " + pos / page);
        }
    }

    @Test
    void the_page_shifted_by_a_loss_is_not_taken_for_a_page() {
        ByteBuffer torn = ByteBuffer.wrap(withLoss(2, page + 300)).order(ByteOrder.nativeOrder());
        PageCheck check = new PageCheck(PageFormat.local(page));
        assertTrue(check.accept(torn, 0) && check.accept(torn, page), "the pages before the loss are whole");
        // The page that lost bytes usually fails its walk, but its tail is another page's events and
        // markers look alike, so now and then (one run in many, with this machine's pages) it walks to
        // its commit and passes here; the spool then takes it back when the next page is refused
        // (after_more_than_a_page_is_lost_only_the_pages_it_touched_are_gone). What must never pass
        // is the page the loss shifted, whose header is the middle of another page.
        check.accept(torn, 2 * page);
        assertFalse(check.accept(torn, 3 * page), "the page shifted by the loss is not taken for a page");
    }
}
