package org.virtiotrace.core.tracefs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.nativeio.Native;

/** per_cpu/cpuN/stats as the pump reads it (the real file is compared with the text parser in the agent's tests). */
class StatsFileTest {
    @TempDir
    Path dir;

    @Test
    void every_count_is_read_and_the_timestamps_between_them_are_not_taken_for_counts() throws Exception {
        Path f = Files.writeString(dir.resolve("stats"), "entries: 5\noverrun: 2\ncommit overrun: 1\n"
                + "bytes: 4096\noldest event ts: 33912.952635\nnow ts: 34213.992464\ndropped events: 3\n"
                + "read events: 77\n");
        assertEquals(new CpuStats(5, 2, 1, 3, 77), new StatsFile(Native.get(), f.toString()).read());
    }

    @Test
    void a_file_without_the_counts_a_pump_needs_reads_as_unknown() throws Exception {
        Path f = Files.writeString(dir.resolve("stats"), "entries: 5\nbytes: 100\n");
        assertNull(new StatsFile(Native.get(), f.toString()).read());
    }

    @Test
    void read_as_text_a_count_the_file_lacks_is_zero_and_a_timestamp_is_no_count() {
        assertEquals(new CpuStats(5, 0, 0, 0, 9),
                CpuStats.parse("entries: 5\nnow ts: 34213.992464\nbytes: 100\nread events: 9\n"));
    }

    @Test
    void a_missing_file_reads_as_unknown() {
        assertNull(new StatsFile(Native.get(), dir.resolve("gone").toString()).read());
    }
}
