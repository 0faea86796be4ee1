package org.virtiotrace.agent.pump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.Errno;
import org.virtiotrace.agent.log.Log;
import org.virtiotrace.agent.nativeio.Fd;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.nativeio.NativeException;
import org.virtiotrace.agent.nativeio.Pipe;
import org.virtiotrace.agent.nativeio.PollEvents;
import org.virtiotrace.agent.sink.Sink;
import org.virtiotrace.agent.tracefs.CpuStats;
import org.virtiotrace.agent.tracefs.RingBufferPage;
import org.virtiotrace.agent.tracefs.Tracefs;

/**
 * One CPU's mover: trace_pipe_raw -> pipe -> sink with splice, on a thread pinned to
 * that CPU. The thread owns the trace fd, the pipe and the sink's fd; other threads
 * talk to it only through {@link PumpControl}.
 *
 * <p>Invariant: the pipe holds whole sub-buffers only (splice from trace_pipe_raw moves
 * whole ones, the partial-page flush writes a whole one), and a chunk taken from the
 * kernel is delivered whole before anything else happens, so no page is ever torn.
 */
public final class CpuPump implements Runnable {
    /** Waits on a busy sink or a contended stdout lock are re-checked this often. */
    private static final int SINK_RECHECK_MS = 50;
    /** After a start order, look again after 1, 2, 4 ... ms: the first page goes out at once. */
    private static final int FIRST_WAIT_MS = 1;
    /** How long to wait before retrying a port that has no reader (EPIPE): never a spin. */
    private static final int NO_READER_RETRY_MS = 250;
    /** A port stall at least this long is reported with the kernel's overwrite count. */
    private static final long STALL_REPORT_NANOS = 1_000_000_000L;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final int cpu;
    private final Native nat;
    private final Tracefs tracefs;
    private final Fd trace;
    private final Pipe pipe;
    private final Sink sink;
    private final PumpControl control;
    private final PumpCounters counters = new PumpCounters();
    private final int subBufferSize;
    private final long drainBudget;
    /**
     * Longest sleep between looks at the ring buffer while running: half the promised
     * page latency. poll() on trace_pipe_raw only fires once buffer_percent of the
     * buffer is full, so under a trickle of events this timer is what delivers a
     * completed page in time. Each wake-up costs ~90 us of CPU on a VM (measured), so
     * this is the knob between idle cost and latency.
     */
    private final int maxIdleWaitMs;
    private final ByteBuffer page;
    private final CountDownLatch warm = new CountDownLatch(1);
    private volatile Runnable onEnd = () -> { };
    private long inPipe;
    private boolean noReaderReported;

    public CpuPump(int cpu, Native nat, Tracefs tracefs, Fd trace, Pipe pipe, Sink sink, PumpControl control,
                   int subBufferSize, long drainBudget, int pageLatencyMs) {
        this.cpu = cpu;
        this.nat = nat;
        this.tracefs = tracefs;
        this.trace = trace;
        this.pipe = pipe;
        this.sink = sink;
        this.control = control;
        this.subBufferSize = subBufferSize;
        this.drainBudget = drainBudget;
        this.maxIdleWaitMs = Math.max(1, pageLatencyMs / 2);
        this.page = ByteBuffer.allocateDirect(subBufferSize).order(ByteOrder.nativeOrder());
    }

    public int cpu() {
        return cpu;
    }

    public PumpControl control() {
        return control;
    }

    public PumpCounters counters() {
        return counters;
    }

    /** Called on the pump's thread when it ends, for whatever reason; set before the thread starts. */
    public void whenEnded(Runnable r) {
        onEnd = r;
    }

    /** Waits (bounded) until the thread has warmed its hot path up and entered its loop. */
    public void awaitWarm(long timeoutMs) throws InterruptedException {
        warm.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public String sinkName() {
        return sink.name();
    }

    @Override
    public void run() {
        try {
            nat.pinToCpu(cpu);
        } catch (NativeException e) {
            Log.warn("cpu%d: cannot pin the pump thread: %s; running unpinned", cpu, e.getMessage());
        }
        try {
            Warmup.nativePath(nat, subBufferSize);
            warm.countDown();
            loop();
        } catch (NativeException e) {
            Log.error("cpu%d: %s; this CPU's trace stops here, the others go on", cpu, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            warm.countDown();
            trace.close();
            pipe.close();
            sink.close();
            onEnd.run();
        }
    }

    private void loop() throws NativeException, InterruptedException {
        boolean running = false;
        boolean firstPage = false;
        boolean trustPoll = true;
        int waitMs = FIRST_WAIT_MS;
        while (true) {
            PumpControl.Mode mode = control.mode();
            if (mode == PumpControl.Mode.SHUTDOWN) {
                boolean runEnded = control.takeStopPending();
                if (runEnded || running) {
                    finish();
                }
                return;
            }
            if (mode == PumpControl.Mode.PAUSED) {
                boolean runEnded = control.takeStopPending();
                if (runEnded || running) {
                    finish();
                    running = false;
                }
                waitFor(null, 0, -1);
                continue;
            }
            if (!running) {
                running = true;
                firstPage = true;
                waitMs = FIRST_WAIT_MS;
            }
            long n = nat.splice(trace, pipe.writeEnd(), pipe.capacity() - inPipe);
            if (n > 0) {
                if (firstPage && Log.isDebug()) {
                    Log.debug("cpu%d: first %d bytes %d us after the start order", cpu, n,
                            (System.nanoTime() - control.startedAt()) / 1000);
                }
                firstPage = false;
                counters.addChunk();
                inPipe += n;
                trustPoll = true;
                if (!deliver()) {
                    return; // shutdown's grace period ran out with the port still full
                }
                continue;
            }
            // No whole page yet (EAGAIN, or 0 which is not end of file here). Sleep until the
            // kernel says buffer_percent is reached, an order arrives, or the timer fires.
            // With buffer_percent 0 poll reports data that splice cannot take yet (NOTES);
            // after one such false alarm the wait ignores the trace fd: a timer, not a spin.
            int revents = waitFor(trustPoll ? trace : null, PollEvents.IN, waitMs);
            counters.addWakeup();
            trustPoll = !PollEvents.has(revents, PollEvents.IN);
            waitMs = Math.min(waitMs * 2, maxIdleWaitMs);
        }
    }

    /**
     * On stop and at exit: deliver what was taken, then what the kernel still holds
     * (bounded by one buffer's worth, so a live trace cannot keep us here), then the
     * partial page, so the host has every event that was in the buffer.
     */
    private void finish() throws NativeException, InterruptedException {
        if (!deliver()) {
            return;
        }
        long budget = drainBudget;
        // splice refuses (EINVAL) a length below one sub-buffer: stop at the last whole one
        while (budget >= subBufferSize && !control.shutdownExpired()) {
            long n = nat.splice(trace, pipe.writeEnd(), Math.min(pipe.capacity(), budget));
            if (n <= 0) {
                break;
            }
            inPipe += n;
            budget -= n;
            if (!deliver()) {
                return;
            }
        }
        if (!control.shutdownExpired()) {
            flushPartialPage();
        }
    }

    /** read() hands out the page still being written, zero padded to a whole sub-buffer. */
    private void flushPartialPage() throws NativeException, InterruptedException {
        page.clear();
        int n = nat.read(trace, page);
        if (n <= 0) {
            return; // nothing buffered
        }
        if (n != subBufferSize) {
            Log.warn("cpu%d: %s returned %d bytes, not a %d-byte page; dropped it", cpu, trace.path(), n,
                    subBufferSize);
            return;
        }
        if (RingBufferPage.parse(page, 0, subBufferSize).dataBytes() == 0) {
            return;
        }
        page.flip();
        while (page.hasRemaining()) {
            if (nat.write(pipe.writeEnd(), page) == Native.WOULD_BLOCK) {
                // cannot happen with an empty pipe of >= one page; refuse to tear rather than spin
                Log.warn("cpu%d: no room for the partial page in the pipe; it stays undelivered", cpu);
                return;
            }
        }
        inPipe += subBufferSize;
        counters.addFlushedPage();
        deliver();
    }

    /**
     * Moves everything in the pipe to the sink. Waits (never spins) while the sink is
     * full or has no reader; gives up only when shutdown's grace period is over.
     * Returns false in that case.
     */
    private boolean deliver() throws NativeException, InterruptedException {
        if (inPipe == 0) {
            return true;
        }
        while (!sink.acquire(control.msLeftOr(SINK_RECHECK_MS))) {
            if (control.shutdownExpired()) {
                return abandon();
            }
        }
        long stalledSince = 0;
        CpuStats before = null;
        try {
            while (inPipe > 0) {
                long w = moveOut();
                if (w > 0) {
                    inPipe -= w;
                    counters.addBytes(w);
                    continue;
                }
                if (stalledSince == 0) {
                    stalledSince = System.nanoTime();
                    before = statsOrNull();
                }
                if (control.shutdownExpired()) {
                    return abandon();
                }
                if (w == Native.WOULD_BLOCK) {
                    waitFor(sink.pollable(), PollEvents.OUT, control.msLeftOr(SINK_RECHECK_MS * 5));
                } else {
                    waitFor(null, 0, control.msLeftOr(NO_READER_RETRY_MS));
                }
            }
        } finally {
            sink.release();
        }
        if (stalledSince != 0) {
            reportStall(System.nanoTime() - stalledSince, before);
        }
        return true;
    }

    /** Bytes moved, WOULD_BLOCK when the sink is full, 0 when nobody reads it. */
    private long moveOut() throws NativeException {
        try {
            long w = sink.drainFrom(pipe.readEnd(), inPipe);
            if (w > 0) {
                noReaderReported = false;
            }
            return w;
        } catch (NativeException e) {
            if (!e.is(Errno.EPIPE) || !sink.readerCanReturn()) {
                throw e;
            }
            if (!noReaderReported) {
                Log.warn("cpu%d: %s; nobody reads the port, holding the data until a reader comes back",
                        cpu, e.getMessage());
                noReaderReported = true;
            }
            return 0;
        }
    }

    private boolean abandon() {
        Log.warn("cpu%d: %s is not accepting data; %d bytes taken from the kernel were not delivered at exit",
                cpu, sink.name(), inPipe);
        return false;
    }

    private void reportStall(long nanos, CpuStats before) {
        if (nanos < STALL_REPORT_NANOS) {
            return;
        }
        CpuStats after = statsOrNull();
        double secs = nanos / 1e9;
        if (before == null || after == null) {
            Log.notice("cpu%d: %s accepted data again after %.1f s", cpu, sink.name(), secs);
            return;
        }
        long lost = after.lostSince(before);
        if (lost > 0) {
            Log.warn("cpu%d: %s accepted nothing for %.1f s; the kernel overwrote %d events meanwhile",
                    cpu, sink.name(), secs, lost);
        } else {
            Log.notice("cpu%d: %s accepted data again after %.1f s; the kernel lost no events", cpu, sink.name(),
                    secs);
        }
    }

    private CpuStats statsOrNull() {
        try {
            return tracefs.stats(cpu);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Sleeps until {@code fd} has {@code events}, an order arrives, or the timeout; returns fd's revents. */
    private int waitFor(Fd fd, int events, int timeoutMs) throws NativeException {
        int r = nat.poll(fd, events, control.wakeFd(), PollEvents.IN, timeoutMs);
        if (PollEvents.has(PollEvents.second(r), PollEvents.IN)) {
            control.acknowledgeWake();
        }
        return PollEvents.first(r);
    }
}
