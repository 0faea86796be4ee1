package org.virtiotrace.core.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The ring behaves like QEMU's ringbuf chardev, overwriting by whole trace pages. */
class PageRingTest {
    private static final int PAGE = 4096;
    private static final int SIZE = 64 * 1024; // 16 pages

    private final PageRing ring = new PageRing(SIZE, PAGE);

    /** Page {@code n}: every byte is n, so a test can tell pages apart after any wrap. */
    private static ByteBuffer pages(int first, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * PAGE);
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < PAGE; i++) {
                b.put((byte) (first + p));
            }
        }
        return b.flip();
    }

    private byte[] readAll() {
        ByteBuffer dst = ByteBuffer.allocate(SIZE * 2);
        ring.read(dst);
        byte[] out = new byte[dst.flip().remaining()];
        dst.get(out);
        return out;
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void reading_an_empty_ring_returns_zero() {
        assertEquals(0, ring.read(ByteBuffer.allocate(100)));
        assertTrue(ring.isEmpty());
    }

    @Test
    void a_read_returns_the_oldest_bytes_and_consumes_them() {
        ring.write(pages(1, 3));
        ByteBuffer first = ByteBuffer.allocate(PAGE + 10);
        assertEquals(PAGE + 10, ring.read(first));
        assertEquals(1, first.get(0));
        assertEquals(2, first.get(PAGE));
        assertEquals(3L * PAGE - PAGE - 10, ring.fill());
        assertEquals(2 * PAGE - 10, readAll().length);
        assertEquals(0, ring.read(ByteBuffer.allocate(1)));
    }

    @Test
    void filling_the_ring_exactly_overwrites_nothing() {
        ring.write(pages(0, 16));
        RingStats s = ring.stats();
        assertEquals(SIZE, s.fill());
        assertEquals(0, s.overwrittenBytes());
        assertArrayEquals(bytesOf(pages(0, 16)), readAll());
    }

    @Test
    void a_write_into_a_full_ring_overwrites_the_oldest_whole_pages() {
        ring.write(pages(0, 16));
        ring.write(pages(16, 3));
        RingStats s = ring.stats();
        assertEquals(3L * PAGE, s.overwrittenBytes());
        assertEquals(3, s.overwrittenPages());
        assertEquals(SIZE, s.fill());
        assertArrayEquals(bytesOf(pages(3, 16)), readAll(), "pages 3..18, oldest first, across the wrap");
    }

    @Test
    void overwriting_a_partly_read_page_drops_its_rest_so_reads_resume_on_a_page_boundary() {
        ring.write(pages(0, 16));
        assertEquals(100, ring.read(ByteBuffer.allocate(100)));
        ring.write(pages(16, 1));
        RingStats s = ring.stats();
        assertEquals(PAGE - 100, s.overwrittenBytes(), "only the unread rest of page 0 is counted");
        assertEquals(1, s.overwrittenPages());
        byte[] rest = readAll();
        assertEquals(16 * PAGE, rest.length);
        assertEquals(1, rest[0], "the next read starts at page 1, not inside page 0");
    }

    @Test
    void a_write_larger_than_the_ring_keeps_the_newest_pages() {
        ring.write(pages(0, 20));
        assertArrayEquals(bytesOf(pages(4, 16)), readAll());
        assertEquals(4L * PAGE, ring.stats().overwrittenBytes());
    }

    @Test
    void counters_are_monotonic_across_many_wraps() {
        for (int i = 0; i < 100; i++) {
            ring.write(pages(i, 5));
        }
        RingStats s = ring.stats();
        assertEquals(500L * PAGE, s.writtenBytes());
        assertEquals(SIZE, s.fill());
        assertEquals(500L * PAGE - SIZE, s.overwrittenBytes());
        assertEquals(484, s.overwrittenPages());
        byte[] all = readAll();
        assertEquals(99 + 4, all[all.length - 1], "the newest page (the last of the last write) is last");
        assertEquals(SIZE, ring.stats().readBytes());
    }

    @Test
    void a_destination_that_takes_part_of_the_data_consumes_only_that_part() {
        ring.write(pages(7, 2));
        int took = ring.drainTo(data -> Math.min(data.remaining(), 1000));
        assertEquals(1000, took);
        assertEquals(2L * PAGE - 1000, ring.fill());
        assertEquals(0, ring.drainTo(data -> 0), "a full destination takes nothing and nothing is lost");
        assertEquals(2L * PAGE - 1000, ring.fill());
    }

    @Test
    void a_copy_of_the_pages_consumes_nothing_and_skips_a_partly_read_page() {
        ring.write(pages(0, 3));
        ring.read(ByteBuffer.allocate(10));
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        long n = ring.copyPagesTo(data -> {
            int len = data.remaining();
            byte[] b = new byte[len];
            data.get(b);
            copy.write(b, 0, len);
            return len;
        });
        assertEquals(2L * PAGE, n);
        assertArrayEquals(bytesOf(pages(1, 2)), copy.toByteArray());
        assertEquals(3L * PAGE - 10, ring.fill(), "the copy consumed nothing");
    }

    @Test
    void a_write_that_is_not_whole_pages_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> ring.write(ByteBuffer.allocate(PAGE + 1)));
    }

    @Test
    void a_source_that_runs_dry_keeps_only_the_whole_pages_it_gave() {
        int n = ring.writeFrom(slot -> {
            slot.put(new byte[PAGE + 7]);
            return PAGE + 7;
        }, 4 * PAGE);
        assertEquals(PAGE, n);
        assertEquals(PAGE, ring.fill());
    }
}
