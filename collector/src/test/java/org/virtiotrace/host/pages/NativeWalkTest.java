package org.virtiotrace.host.pages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.heartbeat.BeatWalk;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.nativeio.NativePageWalk;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;
import org.virtiotrace.testkit.PageCorpus;

/**
 * The page walk every received page gets runs in the native shim ({@code vt_page_walk}) for speed
 * and in Java ({@link PageWalker} with {@link HeartbeatRecord.Newest}) for other layouts: the two
 * must say the same of every page, whole or damaged: where its events end (or that they do not end
 * at its commit), its newest heartbeat's counter, time and monotonic clock.
 */
class NativeWalkTest {
    private static final int BEAT_ID = HeartbeatRecord.DEFAULT_ID;
    private static PageCorpus markers;
    private static PageCorpus varied;

    @BeforeAll
    static void record(@TempDir Path tmp) throws Exception {
        markers = PageCorpus.markers(tmp.resolve("markers"));
        varied = PageCorpus.varied(tmp.resolve("varied"), BEAT_ID);
        assertTrue(markers.count() >= 40 && varied.count() >= 10, markers.count() + " / " + varied.count() + " pages");
    }

    /** What one walk said of one page: end time, then beat[0..2] (the counter, its time, its monotonic). */
    private static long[] nativeWalk(ByteBuffer direct, int at, PageCorpus c, long key) {
        NativePageWalk shim = NativePageWalk.get();
        assertNotNull(shim, "the native layer did not load");
        long[] beat = {7, 7, 7};
        long end = shim.walk(direct, at, c.pageSize(), key, beat);
        return answer(end, beat);
    }

    private static long[] javaWalk(ByteBuffer b, int at, PageCorpus c, long key) {
        long[] beat = {7, 7, 7};
        long end = BeatWalk.java(b, at, PageFormat.local(c.pageSize()), key, beat);
        return answer(end, beat);
    }

    /** A page without heartbeats leaves beat[1..2] as they were: compare only what a walk defines. */
    private static long[] answer(long end, long[] beat) {
        return beat[0] < 0 ? new long[] {end, -1} : new long[] {end, beat[0], beat[1], beat[2]};
    }

    /** Walks every page at every given offset both ways; returns how many pages, torn and with beats, it saw. */
    private static int[] compare(byte[] bytes, PageCorpus c, String what) {
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        direct.put(bytes).clear();
        ByteBuffer heap = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        long key = HeartbeatRecord.key(c.rawDataType(), BEAT_ID);
        int[] seen = new int[3];
        for (int at = 0; at + c.pageSize() <= bytes.length; at += c.pageSize()) {
            long[] n = nativeWalk(direct, at, c, key);
            long[] j = javaWalk(heap, at, c, key);
            assertEquals(Arrays.toString(n), Arrays.toString(j), what + ", page at " + at);
            seen[0]++;
            seen[1] += n[0] == PageWalker.TORN ? 1 : 0;
            seen[2] += n.length > 2 ? 1 : 0;
        }
        return seen;
    }

    @Test
    void they_agree_on_every_page_of_a_marker_heavy_stream() {
        int[] seen = compare(markers.pages(), markers, "markers");
        assertEquals(0, seen[1], "every page of an untouched stream walks");
    }

    @Test
    void they_agree_on_every_page_with_long_events_time_extends_heartbeats_and_discards() {
        int[] seen = compare(varied.pages(), varied, "varied");
        assertEquals(0, seen[1], "every page of an untouched stream walks");
        assertTrue(seen[2] > 0, "the corpus has pages with heartbeats: the comparison covers them");
    }

    @Test
    void the_varied_corpus_holds_every_event_form_a_walker_meets() {
        TreeMap<Integer, Integer> typeLens = new TreeMap<>();
        ByteBuffer b = ByteBuffer.wrap(varied.pages()).order(ByteOrder.nativeOrder());
        PageFormat f = PageFormat.local(varied.pageSize());
        for (int at = 0; at + f.pageSize() <= b.capacity(); at += f.pageSize()) {
            int pos = at + f.dataOffset();
            int end = pos + (int) (b.getLong(at + 8) & ((1 << 27) - 1));
            while (pos + 4 <= end) { // a census of the headers, on pages known to walk
                int typeLen = b.getInt(pos) & 0x1f;
                typeLens.merge(typeLen >= 1 && typeLen <= 28 ? 1 : typeLen, 1, Integer::sum);
                int len = typeLen >= 1 && typeLen <= 28 ? 4 + 4 * typeLen
                        : typeLen >= 30 ? 8 : typeLen == 29 && (b.getInt(pos) >>> 5) == 0 ? end - pos
                        : 4 + b.getInt(pos + 4);
                pos += len;
            }
        }
        for (int form : List.of(1, 0, 30)) {
            assertTrue(typeLens.containsKey(form), "type_len " + (form == 1 ? "1..28" : form) + " in " + typeLens);
        }
    }

    /**
     * Forms this kernel did not write into the corpus, made as the kernel makes them: an event
     * discarded after it was written (padding with a length and a delta), the end of a page's
     * data marked early (padding with no delta), an absolute time stamp (what a hist trigger's
     * buffer holds). Each replaces one small event of a real page, in place.
     */
    @Test
    void they_agree_on_padding_early_ends_and_absolute_stamps() {
        byte[] p = varied.pages();
        int page = varied.pageSize();
        int edited = 0;
        for (int form : new int[] {29, 0x29, 31}) {
            byte[] t = p.clone();
            ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.nativeOrder());
            for (int at = 0; at + page <= t.length; at += page) {
                int pos = at + 16;
                int header = b.getInt(pos);
                int typeLen = header & 0x1f;
                if (typeLen < 3 || typeLen > 28) {
                    continue; // the page's first event is not a small one of 16 bytes or more
                }
                if (form == 29) { // discarded: padding of the event's length, its delta kept
                    b.putInt(pos, header & ~0x1f | 29).putInt(pos + 4, 4 * typeLen);
                } else if (form == 0x29) { // the data ends here
                    b.putInt(pos, 29);
                } else { // an absolute stamp (the page's own time, in two parts), padding for the rest
                    long ts = b.getLong(at);
                    b.putInt(pos, (int) (ts & ((1 << 27) - 1)) << 5 | 31).putInt(pos + 4, (int) (ts >>> 27));
                    b.putInt(pos + 8, 1 << 5 | 29).putInt(pos + 12, 4 * typeLen - 8);
                }
                edited++;
            }
            int[] seen = compare(t, varied, "form " + Integer.toHexString(form));
            assertEquals(0, seen[1], "an edited page still walks");
        }
        assertTrue(edited > 10, "pages edited: " + edited);
    }

    @Test
    void they_agree_on_streams_that_lost_bytes() {
        byte[] p = markers.pages();
        int page = markers.pageSize();
        int torn = 0;
        for (int lost : new int[] {4, 100, 300, page - 1, page + 300}) {
            for (int cut = 1; cut < 20; cut++) {
                int from = cut * page + 500;
                byte[] t = new byte[p.length - lost];
                System.arraycopy(p, 0, t, 0, from);
                System.arraycopy(p, from + lost, t, from, p.length - from - lost);
                torn += compare(t, markers, lost + " bytes lost in page " + cut)[1];
                // and every byte offset near the loss, as a realignment search tries them
                byte[] shifted = Arrays.copyOfRange(t, cut * page + 1, t.length);
                torn += compare(shifted, markers, "shifted by one after page " + cut)[1];
            }
        }
        assertTrue(torn > 100, "the damaged streams gave torn pages to compare: " + torn);
    }

    @Test
    void they_agree_on_pages_with_random_bytes_overwritten() {
        Random rnd = new Random(20261206);
        for (PageCorpus c : List.of(markers, varied)) {
            for (int round = 0; round < 20; round++) {
                byte[] t = c.pages().clone();
                for (int i = 0; i < t.length / 64; i++) {
                    t[rnd.nextInt(t.length)] = (byte) rnd.nextInt(256);
                }
                compare(t, c, "round " + round + " of random overwrites");
            }
        }
    }
}
