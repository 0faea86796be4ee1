package org.virtiotrace.agent.control;

import java.nio.ByteBuffer;
import jnr.constants.platform.Errno;
import org.virtiotrace.agent.log.Log;
import org.virtiotrace.agent.nativeio.Fd;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.nativeio.NativeException;
import org.virtiotrace.agent.nativeio.PollEvents;

/**
 * The control thread: owns the agent-ctl-path descriptor, turns its bytes into orders.
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
    private volatile boolean stopping;
    private Fd ctl;
    private boolean reopenFailureReported;
    private String lastReopenError;

    /**
     * @param ctl       the control port, opened with {@code access}
     * @param replyPath where replies go when not on {@code ctl} itself (READ_WRITE): a FIFO
     *                  path, or null when this port cannot answer
     */
    public ControlChannel(Native nat, Fd ctl, Native.Access access, String replyPath, OrderHandler handler)
            throws NativeException {
        this.nat = nat;
        this.ctl = ctl;
        this.access = access;
        this.path = ctl.path();
        this.parser = new ControlParser(handler);
        this.outbox = new ReplyOutbox(nat, access == Native.Access.READ_WRITE, replyPath);
        this.wake = nat.eventFd();
    }

    /** False when the port is read-only (a lone FIFO standing in for it): requests cannot be answered. */
    public boolean canReply() {
        return outbox.canReply();
    }

    /** Sends a reply frame to the host, after any before it. Any thread. */
    public void post(byte[] frame, Request request) {
        outbox.post(frame, request);
        try {
            nat.signal(wake);
        } catch (NativeException | IllegalStateException e) {
            // stopping: the reply is not needed any more
        }
    }

    /**
     * On the control thread only (from an order handler): queues the reply and writes what the
     * port takes at once, for replies whose timing matters (clock probes).
     */
    public void replyNow(byte[] frame, Request request) {
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
                if (!e.is(Errno.ENODEV) && !e.is(Errno.EIO)) {
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

    /** Asks the thread to end; returns at once. */
    public void stop() {
        stopping = true;
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
