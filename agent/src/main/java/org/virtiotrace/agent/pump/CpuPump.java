package org.virtiotrace.agent.pump;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.Errno;
import org.virtiotrace.agent.log.Log;
import org.virtiotrace.agent.nativeio.Fd;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.nativeio.NativeException;
import org.virtiotrace.agent.nativeio.Pipe;
import org.virtiotrace.agent.nativeio.PollEvents;
import org.virtiotrace.agent.ring.PageRing;
import org.virtiotrace.agent.ring.RingStats;
import org.virtiotrace.agent.sink.Sink;
import org.virtiotrace.agent.tracefs.CpuStats;
import org.virtiotrace.agent.tracefs.RingBufferPage;
import org.virtiotrace.agent.tracefs.Tracefs;

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
 */
public final class CpuPump implements Runnable {
    /** Waits on a busy sink or a contended stdout lock are re-checked this often. */
    private static final int SINK_RECHECK_MS = 50;
    /** After a start order, look again after 1, 2, 4 ... ms: the first page goes out at once. */
    private static final int FIRST_WAIT_MS = 1;
    /** How long to wait before retrying a port that has no reader (EPIPE): never a spin. */
    private static final int NO_READER_RETRY_MS = 250;
    /** How often a missing port is looked for. */
    private static final long PORT_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longest sleep while no event is written to the CPU's ring buffer (see {@link QuietProbe}). */
    private static final int QUIET_MAX_WAIT_MS = 1000;
    /** A port stall at least this long is reported with the kernel's overwrite count. */
    private static final long STALL_REPORT_NANOS = 1_000_000_000L;

    private final int cpu;
    private final Native nat;
    private final Tracefs tracefs;
    private final Fd trace;
    private final Pipe pipe;
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
    private final int quietMaxWaitMs;
    private final QuietProbe quiet;
    private final ByteBuffer page;
    private final CountDownLatch warm = new CountDownLatch(1);
    private final Backlog backlog;
    private final PortLookup portLookup;
    private final long stallTimeoutNanos;
    private volatile Runnable onEnd = () -> { };
    private volatile Runnable onRouteChange = () -> { };
    private volatile Route route;
    private final String destination;
    private Sink sink;
    private long inPipe;
    private boolean noReaderReported;
    private long noReaderUntil;
    private long nextPortLook;
    private long stalledSince;
    private CpuStats statsAtStall;
    private RingStats ringAtStall;

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
        this.tracefs = tracefs;
        this.trace = trace;
        this.pipe = pipe;
        this.sink = sink;
        this.backlog = ring == null ? null : new Backlog(ring);
        this.portLookup = portLookup;
        this.control = control;
        this.subBufferSize = subBufferSize;
        this.drainBudget = drainBudget;
        this.maxIdleWaitMs = Math.max(1, pageLatencyMs / 2);
        this.quietMaxWaitMs = Math.max(QUIET_MAX_WAIT_MS, maxIdleWaitMs);
        this.quiet = new QuietProbe(nat, tracefs.statsFile(cpu).toString());
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMs);
        this.page = ByteBuffer.allocateDirect(subBufferSize).order(ByteOrder.nativeOrder());
        this.route = sink != null ? Route.PORT : portLookup != null ? Route.MISSING : Route.MEMORY;
        this.destination = sink != null ? sink.name() : portLookup != null ? portLookup.expectedPath() : "memory";
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
        return backlog == null ? Optional.empty() : Optional.of(backlog.ring());
    }

    public Route route() {
        return route;
    }

    /** Called on the pump's thread when it ends, for whatever reason; set before the thread starts. */
    public void whenEnded(Runnable r) {
        onEnd = r;
    }

    /** Called on the pump's thread when pages change route (port stalled, port back...); set before start. */
    public void whenRouteChanges(Runnable r) {
        onRouteChange = r;
    }

    private void setRoute(Route next) {
        if (route != next) {
            route = next;
            onRouteChange.run();
        }
    }

    /** Waits (bounded) until the thread has warmed its hot path up and entered its loop. */
    public void awaitWarm(long timeoutMs) throws InterruptedException {
        warm.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The port's path (or where it is expected), "stdout", or "memory" with --sink memory. */
    public String sinkName() {
        return destination;
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
            if (sink != null) {
                sink.close();
            }
            onEnd.run();
        }
    }

    private void loop() throws NativeException, InterruptedException {
        boolean running = false;
        boolean firstPage = false;
        boolean trustPoll = true;
        int waitMs = FIRST_WAIT_MS;
        int quietWaitMs = 0;
        boolean tookPages = false; // since the last sleep: only a CPU that gave nothing is probed
        while (true) {
            PumpControl.Mode mode = control.mode();
            if (mode == PumpControl.Mode.SHUTDOWN) {
                boolean runEnded = control.takeStopPending();
                if (runEnded || running) {
                    finish();
                }
                sendBacklogUntilDeadline();
                return;
            }
            lookForPort();
            long sent = sendBacklog();
            if (mode == PumpControl.Mode.PAUSED) {
                boolean runEnded = control.takeStopPending();
                if (runEnded || running) {
                    finish();
                    running = false;
                }
                if (sent == 0) {
                    waitFor(null, 0, -1);
                }
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
                tookPages = true;
                counters.addChunk();
                inPipe += n;
                trustPoll = true;
                if (!deliver()) {
                    return; // shutdown's grace period ran out with the port still full
                }
                continue;
            }
            if (sent > 0) {
                continue;
            }
            // No whole page yet (EAGAIN, or 0 which is not end of file here). Sleep until the
            // kernel says buffer_percent is reached, an order arrives, or the timer fires.
            // With buffer_percent 0 poll reports data that splice cannot take yet (NOTES);
            // after one such false alarm the wait ignores the trace fd: a timer, not a spin.
            // A CPU to which no event was written since the last look cannot complete a page:
            // its sleeps grow to a second (an idle agent costs next to nothing); one event
            // and they are back to half the page latency.
            int sleepMs = waitMs;
            if (waitMs >= maxIdleWaitMs && !tookPages && quiet.quietSinceLastLook()) {
                quietWaitMs = Math.min(Math.max(quietWaitMs * 2, maxIdleWaitMs * 2), quietMaxWaitMs);
                sleepMs = quietWaitMs;
            } else {
                quietWaitMs = 0;
            }
            tookPages = false;
            int revents = waitFor(trustPoll ? trace : null, PollEvents.IN, sleepMs);
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
     * Moves everything in the pipe out: to memory when pages go there, else to the sink.
     * Waits (never spins) while the sink is full or has no reader: with a ring, at most
     * the stall timeout, then the pages go to memory; without one (stdout), until shutdown's
     * grace period is over. Returns false in that case.
     */
    private boolean deliver() throws NativeException, InterruptedException {
        if (inPipe == 0) {
            return true;
        }
        if (backlog != null && (sink == null || !backlog.isEmpty())) {
            toMemory();
            return true;
        }
        while (!sink.acquire(control.msLeftOr(SINK_RECHECK_MS))) {
            if (control.shutdownExpired()) {
                return abandon();
            }
        }
        try {
            while (inPipe > 0) {
                long w = moveOut();
                if (w > 0) {
                    inPipe -= w;
                    counters.addBytes(w);
                    continue;
                }
                if (sink == null) {
                    toMemory(); // the port failed and was closed
                    return true;
                }
                long now = System.nanoTime();
                if (stalledSince == 0) {
                    stalledSince = now;
                    statsAtStall = statsOrNull();
                    ringAtStall = backlog == null ? null : backlog.ring().stats();
                }
                if (control.shutdownExpired()) {
                    return abandon();
                }
                int wait = w == Native.WOULD_BLOCK ? SINK_RECHECK_MS * 5 : NO_READER_RETRY_MS;
                if (backlog != null) {
                    long left = stallTimeoutNanos - (now - stalledSince);
                    if (left <= 0) {
                        divertToMemory(now);
                        return true;
                    }
                    wait = (int) Math.min(wait, TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
                if (w == Native.WOULD_BLOCK) {
                    waitFor(sink.pollable(), PollEvents.OUT, control.msLeftOr(wait));
                } else {
                    waitFor(null, 0, control.msLeftOr(wait));
                }
            }
        } finally {
            if (sink != null) {
                sink.release();
            }
        }
        if (stalledSince != 0) {
            reportStall(System.nanoTime() - stalledSince);
            stalledSince = 0;
        }
        return true;
    }

    private void divertToMemory(long now) throws NativeException {
        Log.warn("cpu%d: %s accepted nothing for %d ms; keeping pages in memory (a %d KiB ring) until it takes "
                + "data again", cpu, sink.name(), TimeUnit.NANOSECONDS.toMillis(now - stalledSince),
                backlog.ring().capacity() >> 10);
        setRoute(Route.STALLED);
        toMemory();
    }

    private void toMemory() throws NativeException {
        long taken = backlog.takeFromPipe(nat, pipe.readEnd(), inPipe);
        if (taken < inPipe) {
            throw new NativeException(pipe.readEnd().path(), "read", Errno.EIO); // the pipe lost bytes: a bug
        }
        inPipe = 0;
        counters.addRingBytes(taken);
    }

    /** Bytes moved, WOULD_BLOCK when the sink is full, 0 when nobody reads it or it was lost. */
    private long moveOut() throws NativeException {
        try {
            long w = sink.drainFrom(pipe.readEnd(), inPipe);
            if (w > 0) {
                noReaderReported = false;
            }
            return w;
        } catch (NativeException e) {
            return sinkFailed(e);
        }
    }

    /**
     * EPIPE on a port: the host may come back, so the data waits. Any other error on a
     * port loses it: with a ring the pages go to memory and the port is looked for again
     * (a hot-unplugged port may return); without one the pump ends.
     */
    private long sinkFailed(NativeException e) throws NativeException {
        if (e.is(Errno.EPIPE) && sink.readerCanReturn()) {
            if (!noReaderReported) {
                Log.warn("cpu%d: %s; nobody reads the port, holding the data until a reader comes back",
                        cpu, e.getMessage());
                noReaderReported = true;
            }
            noReaderUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NO_READER_RETRY_MS);
            return 0;
        }
        if (backlog == null || portLookup == null) {
            throw e;
        }
        Log.error("cpu%d: %s; closing the port, keeping pages in memory and looking for it again", cpu,
                e.getMessage());
        sink.release();
        sink.close();
        sink = null;
        setRoute(Route.MISSING);
        nextPortLook = System.nanoTime() + PORT_LOOK_NANOS;
        return 0;
    }

    /** Opens a missing port once it exists; its backlog goes first. */
    private void lookForPort() throws NativeException {
        if (sink != null || portLookup == null || System.nanoTime() - nextPortLook < 0) {
            return;
        }
        nextPortLook = System.nanoTime() + PORT_LOOK_NANOS;
        Optional<Sink> found;
        try {
            found = portLookup.tryOpen();
        } catch (NativeException e) {
            Log.warn("cpu%d: %s; trying again in a second", cpu, e.getMessage());
            return;
        }
        if (found.isPresent()) {
            sink = found.get();
            setRoute(backlog.isEmpty() ? Route.PORT : Route.BACKLOG);
            Log.notice("cpu%d: %s is here; sending the %d bytes kept in memory first, then live pages", cpu,
                    sink.name(), backlog.bytes());
        }
    }

    /** Sends what the port takes now from memory, oldest first; bytes sent. */
    private long sendBacklog() throws NativeException {
        if (backlog == null || sink == null || backlog.isEmpty() || System.nanoTime() - noReaderUntil < 0) {
            return 0;
        }
        long sent;
        try {
            sent = backlog.sendTo(sink);
        } catch (NativeException e) {
            sinkFailed(e);
            return 0;
        }
        if (sent > 0) {
            noReaderReported = false;
            counters.addBytes(sent);
            setRoute(Route.BACKLOG);
        }
        if (backlog.isEmpty()) {
            backlogDelivered();
        }
        return sent;
    }

    private void backlogDelivered() {
        setRoute(Route.PORT);
        if (stalledSince != 0 && ringAtStall != null) {
            long secs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalledSince);
            RingStats now = backlog.ring().stats();
            long lost = now.overwrittenBytes() - ringAtStall.overwrittenBytes();
            Log.notice("cpu%d: %s took the backlog (%d bytes went through memory); live pages go straight to it "
                    + "again after %.1f s%s", cpu, sink.name(), now.writtenBytes() - ringAtStall.writtenBytes(),
                    secs / 1000.0, lost > 0 ? "; the ring overwrote " + lost + " of its oldest bytes"
                            : "; nothing was lost");
            reportKernelLoss();
        } else {
            Log.notice("cpu%d: %s took the backlog; live pages go straight to it again", cpu, sink.name());
        }
        stalledSince = 0;
    }

    /** At exit: what the port takes within the grace period; what is left is said. */
    private void sendBacklogUntilDeadline() throws NativeException {
        if (backlog == null) {
            return;
        }
        while (sink != null && !backlog.isEmpty() && !control.shutdownExpired()) {
            if (sendBacklog() == 0) {
                boolean noReader = System.nanoTime() - noReaderUntil < 0;
                waitFor(noReader || sink == null ? null : sink.pollable(), PollEvents.OUT,
                        control.msLeftOr(noReader ? NO_READER_RETRY_MS : SINK_RECHECK_MS));
            }
        }
        if (!backlog.isEmpty() && route != Route.MEMORY) {
            Log.warn("cpu%d: %d bytes kept in memory for %s were not delivered at exit", cpu, backlog.bytes(),
                    sinkName());
        }
    }

    private boolean abandon() {
        Log.warn("cpu%d: %s is not accepting data; %d bytes taken from the kernel were not delivered at exit",
                cpu, sink.name(), inPipe);
        return false;
    }

    private void reportStall(long nanos) {
        if (nanos < STALL_REPORT_NANOS) {
            return;
        }
        double secs = nanos / 1e9;
        if (!reportKernelLoss(secs)) {
            Log.notice("cpu%d: %s accepted data again after %.1f s", cpu, sink.name(), secs);
        }
    }

    private void reportKernelLoss() {
        reportKernelLoss(Double.NaN);
    }

    /** Says how many events the kernel overwrote since the stall began; false when it cannot tell. */
    private boolean reportKernelLoss(double secs) {
        CpuStats after = statsOrNull();
        if (statsAtStall == null || after == null) {
            return false;
        }
        long lost = after.lostSince(statsAtStall);
        String took = Double.isNaN(secs) ? "meanwhile" : String.format("in the %.1f s it accepted nothing", secs);
        if (lost > 0) {
            Log.warn("cpu%d: the kernel overwrote %d events %s", cpu, lost, took);
        } else if (!Double.isNaN(secs)) {
            Log.notice("cpu%d: %s accepted data again after %.1f s; the kernel lost no events", cpu, sink.name(),
                    secs);
        }
        return true;
    }

    private CpuStats statsOrNull() {
        try {
            return tracefs.stats(cpu);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Sleeps until {@code fd} has {@code events}, an order arrives, or the timeout; returns
     * fd's revents. While memory holds a backlog, the port's POLLOUT wakes us too (it drains
     * the backlog); while a port is missing, the sleep ends in time to look for it.
     */
    private int waitFor(Fd fd, int events, int timeoutMs) throws NativeException {
        long now = System.nanoTime();
        Fd port = null;
        if (backlog != null && sink != null && !backlog.isEmpty()) {
            if (now - noReaderUntil < 0) {
                timeoutMs = atMost(timeoutMs, NO_READER_RETRY_MS);
            } else {
                port = sink.pollable();
            }
        }
        if (sink == null && portLookup != null) {
            timeoutMs = atMost(timeoutMs, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextPortLook - now) + 1));
        }
        int r = nat.poll(fd, events, port, PollEvents.OUT, control.wakeFd(), PollEvents.IN, timeoutMs);
        if (PollEvents.has(PollEvents.third(r), PollEvents.IN)) {
            control.acknowledgeWake();
        }
        return PollEvents.first(r);
    }

    private static int atMost(int timeoutMs, int limit) {
        return timeoutMs < 0 ? limit : Math.min(timeoutMs, limit);
    }
}
