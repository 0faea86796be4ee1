package org.virtiotrace.core.pump;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.core.heartbeat.HeartbeatMarker;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.Pipe;
import org.virtiotrace.core.nativeio.PollEvents;
import org.virtiotrace.core.ring.PageRing;
import org.virtiotrace.core.sink.Sink;
import org.virtiotrace.core.tracefs.Tracefs;

/**
 * One CPU's mover: trace_pipe_raw -> pipe -> sink with splice, on a thread pinned to
 * that CPU. The thread owns the trace fd, the pipe, the sink's fd and the backlog's
 * carry; other threads talk to it only through {@link PumpControl}, and read its ring
 * only under the ring's lock.
 *
 * <p>Invariant: the pipe holds whole sub-buffers only (splice from trace_pipe_raw moves
 * whole ones, the partial-page flush writes a whole one), and a chunk taken from the
 * kernel is delivered whole before anything else happens, so no page is ever torn.
 *
 * <p>With a ring (ports, not -o), pages go straight to the port while the backlog is
 * empty. When the port is missing, or accepts nothing for the stall timeout, they go
 * to the ring instead; from then on every page goes through the ring, which the port
 * drains oldest first, until it is empty and the direct path resumes. Order is kept.
 * That is {@link Delivery}'s work (with {@link StallReport} saying what a stall cost);
 * this class is the thread's loop: orders, taking pages from the kernel, sleeping.
 */
public final class CpuPump implements Runnable {
    /** After a start order, look again after 1, 2, 4 ... ms: the first page goes out at once. */
    private static final int FIRST_WAIT_MS = 1;
    /** Longest sleep while no event is written to the CPU's ring buffer (see {@link QuietProbe}). */
    private static final int QUIET_MAX_WAIT_MS = 1000;

    private final int cpu;
    private final Native nat;
    /** The agent's own buffer, or a recording's for one run. */
    private final SourceSwitch sources;
    private final Pipe pipe;
    private final PumpControl control;
    private final PumpCounters counters = new PumpCounters();
    private final int subBufferSize;
    /**
     * Longest sleep between looks at the ring buffer while running: nine tenths of the
     * promised page latency, so a page completed just after a look is taken at the next
     * one, in time, with a tenth to spare for the look itself. poll() on trace_pipe_raw
     * only fires once buffer_percent of the buffer is full, so under a trickle of events
     * this timer is what delivers a completed page in time. Each wake-up costs ~75 us of
     * CPU on a VM (measured: 32 context switches a second cost a pump 2.4 ms), so this is
     * the knob between light-load cost and latency; half the latency cost 1.2x the CPU per MB.
     */
    private final int maxIdleWaitMs;
    private final int quietMaxWaitMs;
    private final StopTail tail;
    private final CountDownLatch warm = new CountDownLatch(1);
    private final Routing routing;
    private final Delivery delivery;
    /** Set before the thread starts (Thread.start orders it), then the pump thread's alone. */
    private HeartbeatMarker heartbeat;
    // The loop's state between turns: the pump thread's alone.
    private boolean running;
    private boolean firstPage;
    /** False after poll said "readable" and splice found no whole page: the next wait is a timer. */
    private boolean trustPoll = true;
    private int waitMs = FIRST_WAIT_MS;
    private int quietWaitMs;
    /** Pages were taken since the last sleep: only a CPU that gave nothing is probed. */
    private boolean tookPages;
    private volatile Runnable onEnd = () -> { };

    /**
     * @param sink       where pages go; null while the port is missing or with --sink memory
     * @param ring       memory for pages the port cannot take; null in -o mode (stdout waits)
     * @param portLookup finds a missing port later; null when none is wanted
     */
    public CpuPump(int cpu, Native nat, Tracefs tracefs, Fd trace, Pipe pipe, Sink sink, PageRing ring,
                   PortLookup portLookup, PumpControl control, int subBufferSize, long drainBudget,
                   int pageLatencyMs, int stallTimeoutMs) {
        this.cpu = cpu;
        this.nat = nat;
        this.sources = new SourceSwitch(nat, new TraceSource(trace, tracefs.statsFile(cpu),
                tracefs.dir().resolve("trace_marker_raw"), drainBudget, null));
        this.pipe = pipe;
        this.control = control;
        this.subBufferSize = subBufferSize;
        this.maxIdleWaitMs = Math.max(1, pageLatencyMs * 9 / 10);
        this.quietMaxWaitMs = Math.max(QUIET_MAX_WAIT_MS, maxIdleWaitMs);
        this.routing = new Routing(sink != null ? Route.PORT : portLookup != null ? Route.MISSING : Route.MEMORY,
                sink != null ? sink.name() : portLookup != null ? portLookup.expectedPath() : "memory");
        this.delivery = new Delivery(cpu, nat, tracefs, pipe, sink, ring, portLookup, control, counters,
                stallTimeoutMs, routing);
        this.tail = new StopTail(cpu, nat, sources, pipe, control, delivery, counters, subBufferSize);
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

    /** The ring, or empty in -o mode. */
    public Optional<PageRing> ring() {
        return delivery.ring();
    }

    public Route route() {
        return routing.current();
    }

    /** Called on the pump's thread when it ends, for whatever reason; set before the thread starts. */
    public void whenEnded(Runnable r) {
        onEnd = r;
    }

    /** Called on the pump's thread when pages change route (port stalled, port back...); set before start. */
    public void whenRouteChanges(Runnable r) {
        routing.whenChanges(r);
    }

    /** Waits (bounded) until the thread has warmed its hot path up and entered its loop. */
    public void awaitWarm(long timeoutMs) throws InterruptedException {
        warm.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The port's path (or where it is expected), "stdout", or "memory" with --sink memory. */
    public String sinkName() {
        return routing.destination();
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
            release();
            onEnd.run();
        }
    }

    private void loop() throws NativeException, InterruptedException {
        while (turn()) {
            // each turn sleeps when there is nothing to do: never a spin
        }
    }

    /**
     * One look: orders, the backlog, pages from the kernel, or a sleep; false once the pump
     * is done. A method of its own, not the body of {@link #loop}: the JIT compiles a method
     * after a few hundred calls, but a loop only after tens of thousands of turns (an
     * on-stack replacement), which a light load takes hours to reach.
     */
    private boolean turn() throws NativeException, InterruptedException {
        TraceSource lent = control.takeSource();
        if (lent != null) {
            if (sources.lent()) {
                giveBack();
            }
            follow(sources.read(lent));
        }
        PumpControl.Mode mode = control.mode();
        if (mode == PumpControl.Mode.SHUTDOWN) {
            boolean runEnded = control.takeStopPending();
            if (runEnded || running) {
                tail.finish();
            }
            delivery.sendBacklogUntilDeadline();
            return false;
        }
        delivery.lookForPort();
        long sent = delivery.sendBacklog();
        if (mode == PumpControl.Mode.PAUSED) {
            boolean runEnded = control.takeStopPending();
            if (runEnded || running) {
                tail.finish();
                running = false;
                delivery.readingPaused();
                if (sources.lent()) {
                    giveBack();
                }
            }
            if (sent == 0) {
                delivery.waitFor(null, 0, -1);
            }
            return true;
        }
        if (!running) {
            running = true;
            delivery.readingResumed();
            firstPage = true;
            waitMs = FIRST_WAIT_MS;
            quietWaitMs = 0;
            sources.quiet().quietSinceLastLook(); // the count the first looks compare with
            if (heartbeat != null) {
                heartbeat.restart();
            }
        }
        int beatMs = beat();
        long room = pipe.capacity() - delivery.bytesInPipe();
        long n = nat.splice(sources.trace(), pipe.writeEnd(), room);
        if (n > 0) {
            if (firstPage && Log.isDebug()) {
                Log.debug("cpu%d: first %d bytes %d us after the start order", cpu, n,
                        (System.nanoTime() - control.startedAt()) / 1000);
            }
            firstPage = false;
            tookPages = true;
            counters.addChunk();
            delivery.addedToPipe(n);
            trustPoll = true;
            if (!delivery.deliver()) {
                return false; // shutdown's grace period ran out with the port still full
            }
            if (n == room) {
                return true; // the pipe was the limit: more may be waiting now
            }
            // the kernel had no other whole page: asking again would only hear EAGAIN
        } else if (sent > 0) {
            return true;
        }
        // No whole page yet (EAGAIN, or 0 which is not end of file here). Sleep until the
        // kernel says buffer_percent is reached, an order arrives, or the timer fires.
        // With buffer_percent 0 poll reports data that splice cannot take yet (NOTES);
        // after one such false alarm the wait ignores the trace fd: a timer, not a spin.
        // A CPU to which no event was written since the last look cannot complete a page:
        // its sleeps grow to a second (an idle agent costs next to nothing); one event
        // and they are back to nine tenths of the page latency. The quick looks after a
        // start order ask too: a start on an idle CPU skips them.
        int sleepMs = waitMs;
        if (!tookPages && sources.quiet().quietSinceLastLook()) {
            quietWaitMs = Math.min(Math.max(quietWaitMs * 2, maxIdleWaitMs * 2), quietMaxWaitMs);
            sleepMs = quietWaitMs;
        } else {
            quietWaitMs = 0;
        }
        tookPages = false;
        // While events flow the next look is due within the page latency anyway: a beat waits
        // for it (at most that late) instead of costing a wake-up of its own each second.
        int timeoutMs = sleepMs > maxIdleWaitMs ? Math.min(sleepMs, beatMs) : sleepMs;
        int revents = delivery.waitFor(trustPoll ? sources.trace() : null, PollEvents.IN, timeoutMs);
        counters.addWakeup();
        trustPoll = !PollEvents.has(revents, PollEvents.IN);
        waitMs = Math.min(waitMs * 2, maxIdleWaitMs);
        return true;
    }

    /** This CPU's heartbeat while tracing; returns the ms until the next is due. */
    private int beat() {
        if (heartbeat == null) {
            return Integer.MAX_VALUE;
        }
        long before = heartbeat.beats();
        int ms = heartbeat.beatIfDue(System.nanoTime());
        sources.quiet().wroteOwn(heartbeat.beats() - before);
        return ms;
    }

    /** Releases what the pump owns when its thread never ran (a start that failed after it was made). */
    public void discard() {
        release();
        control.close();
    }

    /** The run on a lent buffer is over: back on the pump's own, then the lent one handed back. */
    private void giveBack() {
        TraceSource done = sources.takeBack();
        follow(sources.current()); // the heartbeat's fd into the lent buffer closes here
        SourceSwitch.handBack(done);
    }

    /** The pump reads {@code s} now: its heartbeat and its stall counts go with it. */
    private void follow(TraceSource s) {
        delivery.statsFrom(s.statsFile());
        if (heartbeat != null) {
            heartbeat.writeTo(s.markerRaw());
        }
    }

    /** The descriptors the pump thread owns; its control outlives it (others may still signal it). */
    private void release() {
        if (sources.lent()) {
            giveBack();
        }
        sources.release(control.takeSource());
        pipe.close();
        delivery.closeSink();
        if (heartbeat != null) {
            heartbeat.close();
        }
    }

    /** Gives this CPU's stream a heartbeat; call before the thread starts. */
    public void heartbeat(HeartbeatMarker marker) {
        this.heartbeat = marker;
    }
}
