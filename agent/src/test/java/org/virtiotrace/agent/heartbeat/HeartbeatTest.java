package org.virtiotrace.agent.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtiotrace.agent.testing.RigPerTest;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;

/** The heartbeat in every CPU's stream: real tracefs, FIFO ports, the agent process. */
class HeartbeatTest extends RigPerTest {
    /** A heartbeat as a reader finds it: raw_data whose id is ours, after the 8-byte common header. */
    record Beat(long time, int cpu, long counter, long mono, long realtime) {
    }

    private List<Beat> beats(int cpu, int id) throws Exception {
        byte[] data = rig.host.received(cpu);
        int page = rig.subBufferSize();
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        List<Beat> out = new ArrayList<>();
        for (int off = 0; off + page <= data.length; off += page) {
            PageWalker.walk(b, off, PageFormat.local(page), (time, typeLen, at, length) -> {
                if (length >= 8 + HeartbeatRecord.SIZE && b.getInt(at + 8) == id) {
                    out.add(new Beat(time, b.getInt(at + 12), b.getLong(at + 16), b.getLong(at + 24), b.getLong(at + 32)));
                }
            });
        }
        return out;
    }

    @Test
    void every_cpus_stream_carries_a_numbered_heartbeat_once_a_second_while_tracing() throws Exception {
        rig.withHeartbeat().startAgent();
        rig.host.send("1\n");
        Thread.sleep(3500);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        for (int cpu : (Iterable<Integer>) rig.cpus.stream()::iterator) {
            List<Beat> beats = beats(cpu, HeartbeatRecord.DEFAULT_ID);
            assertTrue(beats.size() >= 3 && beats.size() <= 5, "cpu" + cpu + ": " + beats);
            for (int i = 0; i < beats.size(); i++) {
                Beat b = beats.get(i);
                assertEquals(cpu, b.cpu(), "the record names its CPU");
                if (i > 0) {
                    Beat a = beats.get(i - 1);
                    assertEquals(a.counter() + 1, b.counter(), "the counter goes up by one a beat: " + beats);
                    long apart = b.mono() - a.mono();
                    assertTrue(apart > 700_000_000L && apart < 1_300_000_000L, "a second apart: " + beats);
                    assertTrue(b.realtime() - a.realtime() > 700_000_000L, "wall times too: " + beats);
                }
            }
        }
    }

    @Test
    void no_heartbeat_enters_a_stream_while_tracing_is_stopped() throws Exception {
        rig.withHeartbeat().startAgent();
        rig.host.send("1\n");
        Thread.sleep(1500);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        int before = beats(0, HeartbeatRecord.DEFAULT_ID).size();
        assertTrue(before >= 1, "a beat while tracing");
        Thread.sleep(2500);
        rig.host.send("1\n0\n"); // a stop flushes every partial page: a late beat would show now
        rig.drainUntilQuiet();
        List<Beat> after = beats(0, HeartbeatRecord.DEFAULT_ID);
        assertTrue(after.size() <= before + 1, "at most the beat of the new start: " + after);
    }

    @Test
    void with_no_heartbeat_the_streams_carry_none() throws Exception {
        rig.withHeartbeat().startAgent("--no-heartbeat");
        rig.host.send("1\n");
        rig.mark(0, 3, 50);
        Thread.sleep(2200);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertEquals(List.of(), beats(0, HeartbeatRecord.DEFAULT_ID));
        assertEquals(3, rig.received(0).events(), "the markers, and nothing else");
    }

    @Test
    void heartbeat_id_chooses_the_records_id() throws Exception {
        rig.withHeartbeat().startAgent("--heartbeat-id", "0x1234");
        rig.host.send("1\n");
        Thread.sleep(1200);
        rig.host.send("0\n");
        rig.drainUntilQuiet();
        assertTrue(!beats(0, 0x1234).isEmpty(), "beats under id 0x1234");
        assertEquals(List.of(), beats(0, HeartbeatRecord.DEFAULT_ID));
    }

    @Test
    void heartbeat_log_writes_the_counter_and_each_cpus_progress_to_the_log() throws Exception {
        var agent = rig.startAgent("--heartbeat-log", "1");
        String line = agent.awaitLog(l -> l.matches(".*heartbeat [0-9]+: cpu0 [0-9]+ bytes.*"), java.time.Duration.ofSeconds(3));
        assertTrue(line != null, "a heartbeat line within 3 s");
    }
}
