package org.virtiotrace.core.ring;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Ring sizes are refused at start, with the valid range, as QEMU refuses a bad ringbuf size. */
class RingSizeTest {
    @Test
    void powers_of_two_from_64k_to_1g_are_valid() {
        assertNull(RingSize.problem(64 << 10, 4096));
        assertNull(RingSize.problem(1L << 30, 4096));
        assertNull(RingSize.problem(RingSize.DEFAULT, 4096));
    }

    @Test
    void a_size_that_is_not_a_power_of_two_is_refused_with_the_range() {
        String p = RingSize.problem(3 << 20, 4096);
        assertNotNull(p);
        assertTrue(p.contains("power of two from 64K to 1G"), p);
    }

    @Test
    void too_small_and_too_large_sizes_are_refused() {
        assertNotNull(RingSize.problem(32 << 10, 4096));
        assertNotNull(RingSize.problem(2L << 30, 4096));
        assertNotNull(RingSize.problem(0, 4096));
    }

    @Test
    void a_ring_must_hold_two_sub_buffers() {
        String p = RingSize.problem(64 << 10, 64 << 10);
        assertNotNull(p);
        assertTrue(p.contains("two 65536-byte sub-buffers") && p.contains("use 131072"), p);
    }
}
