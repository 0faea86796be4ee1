package org.virtiotrace.agent.pump;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.Rig;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.pump.PumpRehearsal;
import org.virtiotrace.core.tracefs.CpuStats;
import org.virtiotrace.core.tracefs.StatsFile;

/** The pump rehearsal the agent plays once ready, and the stats reads a pump makes at every stall. */
class RehearsalTest {
    private Rig rig;

    @AfterEach
    void close() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void the_rehearsal_plays_every_turn_and_leaves_the_trace_buffer_and_the_descriptors_as_it_found_them()
            throws Exception {
        rig = Rig.create(256, CpuList.parse("0"));
        rig.mark(0, 500, 100); // pages in the real buffer that the rehearsal must not take
        long fdsBefore = openFds();
        CpuStats before = rig.instance.stats(0);

        int played = PumpRehearsal.run(rig.nat, rig.instance.tracefs(), 0, rig.subBufferSize());

        assertEquals(PumpRehearsal.ROUNDS * PumpRehearsal.TURNS, played, "turns played");
        CpuStats after = rig.instance.stats(0);
        assertEquals(before.readEvents(), after.readEvents(), "events read from the real buffer");
        assertEquals(before.entries(), after.entries(), "events waiting in the real buffer");
        assertEquals(fdsBefore, openFds(), "descriptors open before and after");
    }

    @Test
    void a_stats_file_read_natively_gives_the_counts_the_text_parser_gives() throws Exception {
        rig = Rig.create(256, CpuList.parse("0"));
        rig.mark(0, 300, 100);
        Path stats = rig.instance.dir().resolve("per_cpu/cpu0/stats");

        CpuStats fromText = CpuStats.parse(Files.readString(stats));
        CpuStats native_ = new StatsFile(rig.nat, stats.toString()).read();

        assertEquals(fromText, native_); // nothing is written to the buffer between the two reads
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
