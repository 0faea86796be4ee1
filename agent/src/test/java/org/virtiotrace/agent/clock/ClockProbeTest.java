package org.virtiotrace.agent.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.heartbeat.HeartbeatCounter;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/** The guest's side of clock sync, against this machine's tracefs. */
class ClockProbeTest {
    private final Native nat = Native.get();
    private Path mount;
    private TraceInstance traced;

    @BeforeEach
    void instance() throws Exception {
        mount = TracefsLocator.find();
        traced = TraceInstance.create(mount, "vta-clock-" + ProcessHandle.current().pid());
    }

    @AfterEach
    void remove() throws Exception {
        traced.close();
    }

    @Test
    void a_marker_read_back_from_the_ring_buffer_has_the_time_it_was_written() throws Exception {
        // on the mono clock the marker's ring-buffer time can be checked against clock_gettime
        try (MarkerReader reader = MarkerReader.open(nat, mount, "mono")) {
            for (int i = 0; i < 20; i++) {
                Calibration c = reader.calibrate();
                assertTrue(c.monoBefore() <= c.trace() && c.trace() <= c.monoAfter(), "probe " + i + ": " + c);
                assertTrue(c.error() < 1_000_000, "a bracket under a millisecond: " + c);
            }
        }
    }

    @Test
    void the_marker_instance_is_removed_when_sync_ends() throws Exception {
        Path dir = mount.resolve("instances/virtio-trace-sync-" + ProcessHandle.current().pid());
        MarkerReader reader = MarkerReader.open(nat, mount, "local");
        assertTrue(Files.isDirectory(dir));
        reader.close();
        assertFalse(Files.exists(dir));
    }

    @Test
    void an_instance_left_by_a_killed_agent_is_removed_by_the_next() throws Exception {
        Path orphan = mount.resolve("instances/virtio-trace-sync-999999999");
        Files.createDirectory(orphan);
        try (MarkerReader reader = MarkerReader.open(nat, mount, "local")) {
            assertFalse(Files.exists(orphan), "no process 999999999: its instance goes");
        }
    }

    @Test
    void a_probe_on_the_local_clock_is_answered_by_markers_in_order() throws Exception {
        try (ClockAnswer answer = new ClockAnswer(nat, traced::tracefs, new HeartbeatCounter())) {
            Properties p = parse(answer.answer(new Request("clock", 7)));
            assertEquals("local", p.getProperty("clock"));
            assertEquals("marker", p.getProperty("method"));
            assertTrue(Long.parseLong(p.getProperty("received")) <= Long.parseLong(p.getProperty("replied")), p.toString());
            assertTrue(Long.parseLong(p.getProperty("clock-error")) < 1_000_000, p.toString());
        }
    }

    @Test
    void a_probe_on_the_mono_clock_is_read_exactly_between_the_callers_reads() throws Exception {
        traced.write("trace_clock", "mono");
        try (ClockAnswer answer = new ClockAnswer(nat, traced::tracefs, new HeartbeatCounter())) {
            long before = System.nanoTime(); // CLOCK_MONOTONIC on Linux
            Properties p = parse(answer.answer(new Request("clock", 1)));
            long after = System.nanoTime();
            assertEquals("exact", p.getProperty("method"));
            long received = Long.parseLong(p.getProperty("received"));
            long replied = Long.parseLong(p.getProperty("replied"));
            assertTrue(before <= received && received <= replied && replied <= after, p.toString());
            assertEquals("0", p.getProperty("clock-error"));
        }
    }

    @Test
    void a_cycle_counting_clock_is_refused_naming_the_clock_file() throws Exception {
        traced.write("trace_clock", "counter");
        try (ClockAnswer answer = new ClockAnswer(nat, traced::tracefs, new HeartbeatCounter())) {
            ReplyFrame f = answer.answer(new Request("clock", 3));
            assertTrue(f.isError());
            String text = new String(f.payload(), StandardCharsets.UTF_8);
            assertTrue(text.contains(traced.dir().resolve("trace_clock").toString()) && text.contains("counter"), text);
        }
    }

    private static Properties parse(ReplyFrame f) throws Exception {
        String text = new String(f.payload(), StandardCharsets.UTF_8);
        assertFalse(f.isError(), text);
        Properties p = new Properties();
        p.load(new java.io.StringReader(text));
        return p;
    }
}
