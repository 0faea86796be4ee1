package org.virtiotrace.core.pump;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * Where one CPU's pages go once they are in the pump's pipe: straight to the sink (port or
 * stdout), or into memory (the backlog) while the port is missing, stalled or not wanted,
 * and from memory to the port, oldest first, when it takes data again. Owns the sink, the
 * backlog and the count of bytes in the pipe, sets the route, finds a missing port again.
 * Used by the pump thread only, except {@link #ring()}.
 */
final class Delivery {
    /** Waits on a busy sink or a contended stdout lock are re-checked this often. */
    private static final int SINK_RECHECK_MS = 50;
    /** How long to wait before retrying a port that has no reader (EPIPE): never a spin. */
    private static final int NO_READER_RETRY_MS = 250;
    /** How often a missing port is looked for. */
    private static final long PORT_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int cpu;
    private final Native nat;
    private final Pipe pipe;
    private final PumpControl control;
    private final PumpCounters counters;
    private final Backlog backlog;
    private final PortLookup portLookup;
    private final long stallTimeoutNanos;
    private final StallReport stall;
    private final Routing routing;
    private Sink sink;
    private long inPipe;
    private boolean noReaderReported;
    private long noReaderUntil;
    private long nextPortLook;

    /** Parameters as for {@link CpuPump#CpuPump}; {@code routing} is changed here only. */
    Delivery(int cpu, Native nat, Tracefs tracefs, Pipe pipe, Sink sink, PageRing ring, PortLookup portLookup,
             PumpControl control, PumpCounters counters, int stallTimeoutMs, Routing routing) {
        this.cpu = cpu;
        this.nat = nat;
        this.pipe = pipe;
        this.sink = sink;
        this.backlog = ring == null ? null : new Backlog(ring);
        this.portLookup = portLookup;
        this.control = control;
        this.counters = counters;
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMs);
        this.stall = new StallReport(cpu, nat, tracefs.statsFile(cpu), ring);
        this.routing = routing;
    }

    Optional<PageRing> ring() {
        return backlog == null ? Optional.empty() : Optional.of(backlog.ring());
    }


    /** The pump now reads another buffer (a recording's instance, or its own again). */
    void statsFrom(java.nio.file.Path statsFile) {
        stall.statsFrom(statsFile);
    }
    /** A stop order paused reading; see {@link StallReport#readingPaused}. */
    void readingPaused() {
        stall.readingPaused();
    }

    /** A start order resumed reading. */
    void readingResumed() {
        stall.readingResumed();
    }

    /** Bytes the pump put in the pipe that are not delivered yet. */
    long bytesInPipe() {
        return inPipe;
    }

    /** The pump put {@code n} more bytes (whole sub-buffers) in the pipe. */
    void addedToPipe(long n) {
        inPipe += n;
    }

    /** At the pump's end. */
    void closeSink() {
        if (sink != null) {
            sink.close();
        }
    }

    /**
     * Moves everything in the pipe out: to memory when pages go there, else to the sink.
     * Waits (never spins) while the sink is full or has no reader: with a ring, at most
     * the stall timeout, then the pages go to memory; without one (stdout), until shutdown's
     * grace period is over. Returns false in that case.
     */
    boolean deliver() throws NativeException, InterruptedException {
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
                stall.began(now);
                if (control.shutdownExpired()) {
                    return abandon();
                }
                int wait = w == Native.WOULD_BLOCK ? SINK_RECHECK_MS * 5 : NO_READER_RETRY_MS;
                if (backlog != null) {
                    long left = stallTimeoutNanos - stall.lasted(now);
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
        stall.portTookDataAgain(sink);
        return true;
    }

    private void divertToMemory(long now) throws NativeException {
        Log.warn("cpu%d: %s accepted nothing for %d ms; keeping pages in memory (a %d KiB ring) until it takes "
                + "data again", cpu, sink.name(), TimeUnit.NANOSECONDS.toMillis(stall.lasted(now)),
                backlog.ring().capacity() >> 10);
        routing.set(Route.STALLED);
        toMemory();
    }

    private void toMemory() throws NativeException {
        long taken = backlog.takeFromPipe(nat, pipe.readEnd(), inPipe);
        if (taken < inPipe) {
            throw NativeException.ioError(pipe.readEnd().path(), "read"); // the pipe lost bytes: a bug
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
        if (e.isBrokenPipe() && sink.readerCanReturn()) {
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
        routing.set(Route.MISSING);
        nextPortLook = System.nanoTime() + PORT_LOOK_NANOS;
        return 0;
    }

    /** Opens a missing port once it exists; its backlog goes first. */
    void lookForPort() throws NativeException {
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
            routing.set(backlog.isEmpty() ? Route.PORT : Route.BACKLOG);
            Log.notice("cpu%d: %s is here; sending the %d bytes kept in memory first, then live pages", cpu,
                    sink.name(), backlog.bytes());
        }
    }

    /** Sends what the port takes now from memory, oldest first; bytes sent. */
    long sendBacklog() throws NativeException {
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
            routing.set(Route.BACKLOG);
        }
        if (backlog.isEmpty()) {
            routing.set(Route.PORT);
            stall.backlogDelivered(sink);
        }
        return sent;
    }

    /** At exit: what the port takes within the grace period; what is left is said. */
    void sendBacklogUntilDeadline() throws NativeException {
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
        if (!backlog.isEmpty() && routing.current() != Route.MEMORY) {
            Log.warn("cpu%d: %d bytes kept in memory for %s were not delivered at exit", cpu, backlog.bytes(),
                    routing.destination());
        }
    }

    private boolean abandon() {
        Log.warn("cpu%d: %s is not accepting data; %d bytes taken from the kernel were not delivered at exit",
                cpu, sink.name(), inPipe);
        return false;
    }

    /**
     * Sleeps until {@code fd} has {@code events}, an order arrives, or the timeout; returns
     * fd's revents. While memory holds a backlog, the port's POLLOUT wakes us too (it drains
     * the backlog); while a port is missing, the sleep ends in time to look for it.
     */
    int waitFor(Fd fd, int events, int timeoutMs) throws NativeException {
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
