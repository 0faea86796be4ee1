package org.virtiotrace.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The kernel's CPU list format, as in /sys/devices/system/cpu/online and --cpus. */
class CpuListTest {
    private static List<Integer> cpus(String s) {
        return CpuList.parse(s).stream().boxed().collect(Collectors.toList());
    }

    @Test
    void ranges_and_single_cpus_combine() {
        assertEquals(List.of(0, 1, 2, 3, 8, 10, 11), cpus("0-3,8,10-11"));
    }

    @Test
    void sparse_numbering_is_kept() {
        assertEquals(List.of(1, 5, 7), cpus("1,5,7"));
    }

    @Test
    void more_than_256_cpus_work() {
        CpuList l = CpuList.parse("0-511");
        assertEquals(512, l.size());
        assertTrue(l.contains(300));
    }

    @Test
    void a_trailing_newline_from_sysfs_is_fine() {
        assertEquals(List.of(0, 1), cpus("0-1\n"));
    }

    @Test
    void prints_back_in_the_same_format() {
        assertEquals("0-3,8,10-11", CpuList.parse("10-11,0-3,8").toString());
    }

    @Test
    void nonsense_is_refused_with_the_offending_part() {
        var e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0-x"));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("3-1"));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse(""));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("-1"));
    }

    @Test
    void this_machines_online_cpus_are_readable() throws Exception {
        assertTrue(CpuList.online().size() >= 1);
    }
}
