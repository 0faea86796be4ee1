package org.virtiotrace.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.tracefs.TraceInstance;
import org.virtiotrace.core.tracefs.TracefsLocator;

/**
 * Real ring-buffer pages of this machine's kernel, recorded into a private instance on one CPU
 * and drained without the agent, for the tests of everything that walks pages. Two kinds: the
 * marker-heavy stream (look-alike events page after page, the hard case for finding where pages
 * start again), and a varied one with every form of event a walker meets: small and long data
 * events, time extends (pauses longer than a delta holds), heartbeat records, discarded events.
 *
 * @param pages    the pages, whole, in the kernel's byte order
 * @param pageSize the sub-buffer size
 * @param rawDataType the raw_data event's type id on this kernel (for heartbeat keys)
 */
public record PageCorpus(byte[] pages, int pageSize, int rawDataType) {

    /** 6000 trace markers among sched_switch and hrtimer_start events, all on cpu0 (PageCheckTest's stream). */
    public static PageCorpus markers(Path dir) throws Exception {
        return record(dir, "markers", inst -> {
            inst.enableEvents("sched/sched_switch");
            inst.enableEvents("timer/hrtimer_start");
            for (int i = 0; i < 6000; i++) {
                inst.mark("vt-load " + i);
            }
        });
    }

    /**
     * Every event form the kernel writes here: markers short and long (a long one's length is in its
     * second word), pauses of 200 ms with nothing else traced (time extends), heartbeat records with
     * {@code heartbeatId} (several a page, their counters out of order), and sched_switch events a
     * filter discards.
     */
    public static PageCorpus varied(Path dir, int heartbeatId) throws Exception {
        return record(dir, "varied", inst -> {
            inst.enableEvents("sched/sched_switch");
            inst.write("events/sched/sched_switch/filter", "prev_pid == 999999999");
            ByteBuffer beat = ByteBuffer.allocate(HeartbeatRecord.SIZE).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 2000; i++) {
                inst.mark(i % 7 == 0 ? "vt-long " + "x".repeat(150 + i % 90) : "vt-short " + i);
                if (i % 5 == 0) {
                    beat.clear();
                    long counter = i % 3 == 0 ? i : 1000 - i;
                    HeartbeatRecord.put(beat, heartbeatId, 0, counter, System.nanoTime(), System.currentTimeMillis());
                    Files.write(inst.dir().resolve("trace_marker_raw"), beat.array(), StandardOpenOption.WRITE);
                }
                if (i % 250 == 0) {
                    Thread.sleep(200);
                }
            }
        });
    }

    private interface Load {
        void on(TraceInstance inst) throws Exception;
    }

    private static PageCorpus record(Path dir, String kind, Load load) throws Exception {
        Path mount = TracefsLocator.find();
        try (TraceInstance inst = TraceInstance.create(mount, "vt-corpus-" + kind + "-" + ProcessHandle.current().pid())) {
            inst.bufferSizeKb(512);
            OnCpu.run(0, () -> load.on(inst)); // all on cpu0: one long stream
            Path cpu = InstancePages.drain(inst, CpuList.parse("0"), Files.createDirectories(dir)).get(0);
            byte[] pages = Files.readAllBytes(cpu);
            return new PageCorpus(pages, inst.tracefs().subBufferSize(), eventId(mount, "ftrace/raw_data"));
        }
    }

    private static int eventId(Path mount, String event) throws IOException {
        for (String line : Files.readAllLines(mount.resolve("events/" + event + "/format"))) {
            if (line.startsWith("ID:")) {
                return Integer.parseInt(line.substring(3).strip());
            }
        }
        return -1;
    }

    /** How many whole pages. */
    public int count() {
        return pages.length / pageSize;
    }
}
