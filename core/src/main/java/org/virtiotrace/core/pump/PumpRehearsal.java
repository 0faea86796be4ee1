package org.virtiotrace.core.pump;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.virtiotrace.core.heartbeat.HeartbeatCounter;
import org.virtiotrace.core.heartbeat.HeartbeatMarker;
import org.virtiotrace.core.heartbeat.HeartbeatRecord;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.Pipe;
import org.virtiotrace.core.ring.PageRing;
import org.virtiotrace.core.sink.PortSink;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * A dress rehearsal of a pump, run once while the agent waits for its first order: a real
 * {@link CpuPump} on scratch descriptors (a pipe for the trace, {@code /dev/null} for the port)
 * takes a few hundred pages and looks a few hundred times in vain, so the JIT compiles the loop's
 * methods now. Without it they are compiled in the first ten seconds of the host's first
 * recording under a light load (a page every few milliseconds calls each method only some
 * thirty times a second): measured, ~40 ms of CPU inside that window, more than the pages
 * themselves cost. It touches no trace buffer (it only reads the CPU's stats file, as a pump
 * does) and no port; a failure is logged and changes nothing else.
 */
public final class PumpRehearsal {
    /**
     * Past the JIT's threshold for each method of the loop: C1 compiles a method after 200-256
     * calls, 400-512 with the agent's launcher (CompileThresholdScaling=2).
     */
    public static final int TURNS = 800;
    /** Rounds of {@link #TURNS}, each after the JIT's queue emptied (see {@link #NEXT_ROUND_AFTER_MS}). */
    public static final int ROUNDS = 2;
    /** The rehearsal's page latency: short, so it never sleeps long between its turns. */
    private static final int LATENCY_MS = 1;
    private static final long TURN_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * The JIT raises its thresholds with the length of its queue (Tier3LoadFeedback: the ~300
     * methods the agent's start queues multiply them by ~60), so a first round, played while those
     * wait, leaves the methods it calls least often interpreted (measured: the whole delivery
     * path, compiled only ~10 s into the first recording, which then cost ~1.5x the CPU). The
     * second round comes once that queue is worked through (~0.3 s after the start here).
     */
    public static final int NEXT_ROUND_AFTER_MS = 300;

    private PumpRehearsal() {
    }

    /**
     * Runs the rehearsal on the calling thread's time (the pump gets a thread of its own), in
     * {@link #ROUNDS} rounds, the second after the JIT has worked through what the agent's start
     * queued. Returns the turns played: ROUNDS x {@link #TURNS}, or fewer when the scratch pump
     * stopped answering.
     */
    public static int run(Native nat, Tracefs tracefs, int cpu, int pageSize) {
        try (Pipe source = nat.pipe(pageSize * 4)) {
            Fd devNull = nat.open("/dev/null", Native.Access.WRITE);
            PumpControl control = new PumpControl(nat);
            CpuPump pump = new CpuPump(cpu, nat, tracefs, source.readEnd(), nat.pipe(pageSize * 4),
                    new PortSink(nat, devNull), new PageRing(Math.max(1 << 16, pageSize * 4L), pageSize), null, control, pageSize,
                    pageSize * 4L, LATENCY_MS, 1000);
            HeartbeatCounter beats = new HeartbeatCounter();
            pump.heartbeat(new HeartbeatMarker(nat, Path.of("/dev/null"), cpu, HeartbeatRecord.DEFAULT_ID, beats));
            Thread t = new Thread(pump, "rehearsal");
            t.setDaemon(true);
            control.start();
            t.start();
            long t0 = System.nanoTime();
            int played = 0;
            try {
                played = play(nat, source, control, pump.counters(), beats, pageSize, 0);
                for (int round = 1; round < ROUNDS && played == round * TURNS; round++) {
                    control.pause(); // asleep until the next round, not looking every millisecond
                    Thread.sleep(NEXT_ROUND_AFTER_MS);
                    control.start();
                    played += play(nat, source, control, pump.counters(), beats, pageSize, played);
                }
            } finally {
                // however the play ended, the scratch pump ends and hands back what it holds
                control.shutdown(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                t.join(TimeUnit.SECONDS.toMillis(2));
                control.close();
            }
            Log.debug("pump rehearsal: %d turns in %d ms", played, (System.nanoTime() - t0) / 1_000_000);
            return played;
        } catch (NativeException e) {
            Log.debug("the pump rehearsal did not run: %s", e.getMessage());
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * Each turn: a heartbeat due, a page for the pump to take, then a look that finds nothing
     * (woken through its control's eventfd, as by an order: the path a timer takes, without
     * waiting for one).
     */
    private static int play(Native nat, Pipe source, PumpControl control, PumpCounters counters,
                            HeartbeatCounter beats, int pageSize, int beatsBefore) throws NativeException {
        ByteBuffer page = ByteBuffer.allocateDirect(pageSize);
        for (int turn = 0; turn < TURNS; turn++) {
            beats.set(beatsBefore + turn + 1);
            long chunks = counters.chunks();
            page.clear();
            if (nat.write(source.writeEnd(), page) == Native.WOULD_BLOCK || !changes(counters::chunks, chunks)) {
                return turn; // the pump stopped taking pages
            }
            long wakeups = counters.wakeups();
            control.wakeUp();
            if (!changes(counters::wakeups, wakeups)) {
                return turn;
            }
        }
        return TURNS;
    }

    /** Waits (bounded, never spinning hard) until the count moves on from {@code was}. */
    private static boolean changes(LongSupplier count, long was) {
        long deadline = System.nanoTime() + TURN_TIMEOUT_NANOS;
        while (count.getAsLong() == was) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(20_000);
        }
        return true;
    }
}
