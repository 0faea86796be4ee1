package org.virtiotrace.agent.control;

import java.nio.ByteBuffer;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.nativeio.PollEvents;
import org.virtiotrace.core.wire.ControlParser;
import org.virtiotrace.core.wire.Order;
import org.virtiotrace.core.wire.OrderHandler;
import org.virtiotrace.core.wire.Request;

/**
 * The control thread: owns the agent-ctl-path descriptor, turns its bytes into orders for the
 * agent and requests for whoever answers them: the quick ones (clock probes) here and at once,
 * the rest on the {@link RequestWorker}, so a large answer never delays an order.
 *
 * <p>End of file means the host closed its end (a FIFO writer like {@code echo 1 >}
 * went away, or a socket chardev client left). The C agent spins at 100 % CPU there;
 * this thread says so once, reopens the port (a fresh FIFO reader is quiet until the
 * next writer) and, if the port keeps reporting hangup (a virtio port whose host side
 * is closed does), looks again after {@value #HOST_GONE_RETRY_MS} ms, backing off to every
 * {@value #HOST_GONE_MAX_RETRY_MS} ms, until the host is back.
 */
public final class ControlChannel implements Runnable, AutoCloseable {
    /** An unterminated token is taken as complete after this much silence. */
    static final int QUIET_FLUSH_MS = 200;
    static final int HOST_GONE_RETRY_MS = 250;
    /** While the host stays away the looks back off to this: an absent host costs ~nothing. */
    static final int HOST_GONE_MAX_RETRY_MS = 2000;

    private final Native nat;
    private final String path;
    private final ControlParser parser;
    private final Fd wake;
    private final Native.Access access;
    private final ReplyOutbox outbox;
    private final Questions immediate;
    private final RequestWorker worker;
    private volatile boolean stopping;
    private Fd ctl;
    private boolean reopenFailureReported;
    private String lastReopenError;

    /**
     * @param port      the control port as opened; replies go on it (READ_WRITE), to its reply
     *                  path (a FIFO), or nowhere when it has neither
     * @param orders    gets the orders and the tokens that are neither orders nor requests
     * @param immediate answered on this thread as they are parsed (they cost microseconds, and a
     *                  clock probe must not wait behind a metadata answer)
     * @param others    the rest, answered on the request worker
     */
    public ControlChannel(Native nat, ControlPort port, Orders orders, Questions immediate, Questions others)
            throws NativeException {
        this.nat = nat;
        this.ctl = port.fd();
        this.access = port.access();
        this.path = ctl.path();
        this.immediate = immediate;
        this.parser = new ControlParser(new OrderHandler() {
            @Override
            public void order(Order order) {
                orders.order(order);
            }

            @Override
            public void request(Request request) {
                route(request);
            }

            @Override
            public void unknown(String token) {
                orders.unknown(token);
            }
        });
        this.outbox = new ReplyOutbox(nat, access == Native.Access.READ_WRITE, port.replyPath());
        this.wake = nat.eventFd();
        this.worker = new RequestWorker(others, this);
    }

    /** On this thread: a quick request is answered now, the rest go to the worker. */
    private void route(Request request) {
        immediate.heard(request);
        if (immediate.answers(request) && canReply()) {
            replyNow(immediate.answer(request).encode(), request);
        } else {
            worker.submit(request);
        }
    }

    /** False when the port is read-only (a lone FIFO standing in for it): requests cannot be answered. */
    public boolean canReply() {
        return outbox.canReply();
    }

    /** Sends a reply frame to the host, after any before it. Any thread. */
    void post(byte[] frame, Request request) {
        outbox.post(frame, request);
        try {
            nat.signal(wake);
        } catch (NativeException | IllegalStateException e) {
            // stopping: the reply is not needed any more
        }
    }

    /**
     * On the control thread only: queues the reply and writes what the port takes at once, for
     * replies whose timing matters (clock probes).
     */
    private void replyNow(byte[] frame, Request request) {
        outbox.post(frame, request);
        if (ctl != null && outbox.pending()) {
            Fd out = outbox.target(ctl);
            if (out != null) {
                outbox.write(out);
            }
        }
    }

    public String path() {
        return path;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (NativeException e) {
            Log.error("%s; no more orders will be read, stop the agent with SIGTERM", e.getMessage());
        } finally {
            if (ctl != null) {
                ctl.close();
            }
        }
    }

    private void loop() throws NativeException {
        byte[] bytes = new byte[512];
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        warmUp(bytes);
        boolean hostGone = false;
        int goneWaitMs = HOST_GONE_RETRY_MS;
        while (!stopping) {
            if (ctl == null && !reopen()) {
                if (!reopenFailureReported) {
                    reopenFailureReported = true;
                    Log.warn("%s: cannot reopen the control port: %s; retrying every second", path,
                            lastReopenError);
                }
                sleep(HOST_GONE_RETRY_MS * 4);
                continue;
            }
            reopenFailureReported = false;
            boolean replying = outbox.pending();
            Fd out = replying ? outbox.target(ctl) : null;
            replying = out != null;
            int timeout = parser.hasPending() ? QUIET_FLUSH_MS : hostGone ? goneWaitMs : -1;
            if (replying) {
                timeout = timeout < 0 ? outbox.timeoutMs() : Math.min(timeout, outbox.timeoutMs());
            }
            boolean outOnCtl = replying && out == ctl;
            int r = nat.poll(ctl, PollEvents.IN | (outOnCtl ? PollEvents.OUT : 0), wake, PollEvents.IN,
                    replying && !outOnCtl ? out : null, PollEvents.OUT, timeout);
            if (PollEvents.has(PollEvents.second(r), PollEvents.IN)) {
                nat.clearSignal(wake);
                continue;
            }
            if (replying && PollEvents.has(outOnCtl ? PollEvents.first(r) : PollEvents.third(r),
                    PollEvents.OUT | PollEvents.ERR | PollEvents.HUP)) {
                outbox.write(out);
            }
            if (replying) {
                outbox.checkStall(path);
            }
            if (!PollEvents.has(PollEvents.first(r), PollEvents.IN | PollEvents.ERR | PollEvents.HUP)) {
                if (r == 0) { // quiet for the whole timeout
                    parser.flush();
                    if (hostGone) {
                        goneWaitMs = Math.min(goneWaitMs * 2, HOST_GONE_MAX_RETRY_MS);
                    }
                }
                continue;
            }
            buf.clear();
            int n;
            try {
                n = nat.read(ctl, buf);
            } catch (NativeException e) {
                if (!e.isDeviceGone()) {
                    throw e;
                }
                // The port was hot-unplugged (QMP device_del). It may be plugged again: the
                // reopen loop waits for it (under systemd, BindsTo= stops the service first).
                Log.warn("%s; the control port went away, waiting for it to come back", e.getMessage());
                parser.flush();
                ctl.close();
                ctl = null;
                reopenFailureReported = true;
                continue;
            }
            if (n > 0) {
                if (hostGone) {
                    hostGone = false;
                    goneWaitMs = HOST_GONE_RETRY_MS;
                    Log.info("%s: the host is back", path);
                }
                buf.flip();
                buf.get(bytes, 0, n);
                parser.feed(bytes, 0, n);
            } else if (n == 0) {
                parser.flush();
                if (!hostGone) {
                    hostGone = true;
                    Log.notice("%s: the host closed its end; waiting for it to come back", path);
                    ctl.close();
                    ctl = null;
                } else {
                    sleep(goneWaitMs);
                    goneWaitMs = Math.min(goneWaitMs * 2, HOST_GONE_MAX_RETRY_MS);
                }
            }
        }
    }

    /** The parser's first pass costs milliseconds cold; take them before the host's first order. */
    private static void warmUp(byte[] scratch) {
        ControlParser p = new ControlParser(new OrderHandler() {
            @Override
            public void order(Order order) {
            }

            @Override
            public void request(Request request) {
            }

            @Override
            public void unknown(String token) {
            }
        });
        byte[] sample = "1\r\n0\nx\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(sample, 0, scratch, 0, sample.length);
        p.feed(scratch, 0, sample.length);
    }

    private boolean reopen() {
        try {
            ctl = nat.open(path, access);
            return true;
        } catch (NativeException e) {
            lastReopenError = e.getMessage();
            return false;
        }
    }

    /** Waits without spinning, but wakes for shutdown. */
    private void sleep(int ms) throws NativeException {
        int r = nat.poll(null, 0, wake, PollEvents.IN, ms);
        if (PollEvents.has(PollEvents.second(r), PollEvents.IN)) {
            nat.clearSignal(wake);
        }
    }

    /** Asks the thread to end, and the request worker with it; returns at once. */
    public void stop() {
        stopping = true;
        worker.close();
        try {
            nat.signal(wake);
        } catch (NativeException | IllegalStateException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        outbox.close();
        wake.close();
    }
}
