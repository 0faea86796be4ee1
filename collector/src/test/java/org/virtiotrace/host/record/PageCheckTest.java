package org.virtiotrace.host.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.agent.cpu.CpuList;
import org.virtiotrace.agent.tracefs.TraceInstance;
import org.virtiotrace.agent.tracefs.TracefsLocator;
import org.virtiotrace.host.testing.InstancePages;

/**
 * Where whole pages start again after bytes were lost, on real pages: markers (pages of
 * look-alike events, the hard case), scheduler switches and timer starts (whose payloads hold
 * times on the trace clock), from a private instance.
 */
class PageCheckTest {
    private static byte[] pages;
    private static int page;

    @BeforeAll
    static void record(@TempDir Path tmp) throws Exception {
        try (TraceInstance inst = TraceInstance.create(TracefsLocator.DEFAULT_MOUNT,
                "vt-pagecheck-" + ProcessHandle.current().pid())) {
            inst.bufferSizeKb(512);
            inst.enableEvents("sched/sched_switch");
            inst.enableEvents("timer/hrtimer_start");
            for (int i = 0; i < 6000; i++) {
                inst.mark("vt-load " + i);
            }
            Path cpu = InstancePages.drain(inst, CpuList.parse("0"), tmp).get(0);
            pages = Files.readAllBytes(cpu);
            page = inst.tracefs().subBufferSize();
        }
        assertTrue(pages.length >= 40 * page, "need 40 pages on cpu0, got " + pages.length / page);
    }

    /** The stream with {@code lost} bytes gone from page {@code cut}, 500 bytes into it. */
    private static ByteBuffer withLoss(int cut, int lost) {
        byte[] t = new byte[pages.length - lost];
        System.arraycopy(pages, 0, t, 0, cut * page + 500);
        System.arraycopy(pages, cut * page + 500 + lost, t, cut * page + 500, pages.length - cut * page - 500 - lost);
        return ByteBuffer.wrap(t).order(ByteOrder.nativeOrder());
    }

    private static void assertRealigns(int lost) {
        for (int cut = 1; cut < 36; cut++) {
            ByteBuffer b = withLoss(cut, lost);
            PageCheck check = new PageCheck(page, ByteOrder.nativeOrder(), 8);
            int pos = 0;
            while (check.accept(b, pos)) {
                pos += page;
            }
            assertTrue(pos > cut * page - page, "cut " + cut + ": a page before the loss refused at " + pos);
            // the true pages after the loss start at j * page - lost in the cut stream; the
            // search looks in (pos, pos + page], pos being where the first refused page was
            int firstAfter = (cut * page + 500 + lost + page - 1) / page;
            int j = Math.max(firstAfter, (pos + lost) / page + 1);
            int expected = j * page - lost;
            assertEquals(expected, check.realign(b, pos, b.limit()), "cut " + cut + " losing " + lost + " bytes");
        }
    }

    @Test
    void pages_start_again_after_100_bytes_lost_anywhere_in_the_first_35_pages() {
        assertRealigns(100);
    }

    @Test
    void pages_start_again_after_more_than_a_page_is_lost() {
        assertRealigns(page + 300);
    }

    @Test
    void every_page_of_an_untouched_stream_is_accepted() {
        PageCheck check = new PageCheck(page, ByteOrder.nativeOrder(), 8);
        ByteBuffer b = ByteBuffer.wrap(pages).order(ByteOrder.nativeOrder());
        for (int pos = 0; pos + page <= pages.length; pos += page) {
            assertTrue(check.accept(b, pos), "page " + pos / page);
        }
        assertFalse(check.accept(withLoss(2, 100), 3 * page), "a page shifted by the loss is refused");
    }
}
