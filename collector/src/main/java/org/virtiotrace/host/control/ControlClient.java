package org.virtiotrace.host.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.ReplyScanner;
import org.virtiotrace.core.wire.Request;
import org.virtiotrace.host.control.TimedReply;
import org.virtiotrace.host.link.PortLink;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.session.SessionLog;

/**
 * The host's side of agent-ctl-path: orders ({@code 1}, {@code 0}, exactly as the C agent
 * takes them) and requests ({@code ?name/id}) whose replies are picked out of whatever else
 * the port carries (docs/control-protocol.md). One thread uses it at a time.
 */
public final class ControlClient {
    private static final int WRITE_TIMEOUT_MS = 2000;

    private final PortLink link;
    private final SessionLog log;
    private final ReplyScanner scanner = new ReplyScanner();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(256 << 10);
    private final byte[] copy = new byte[256 << 10];
    private long nextId = 1;
    private long written;
    private long read;
    private String lastProblem;
    private java.util.function.Consumer<String> marker = s -> { };
    private java.util.function.BooleanSupplier abandon = () -> false;

    public ControlClient(PortLink link, SessionLog log) {
        this.link = link;
        this.log = log;
        log.event(SessionEvent.CTL_OPEN, link.describe());
    }

    public String describe() {
        return link.describe();
    }

    /** Reads and drops what an earlier session left unread; returns how many bytes. */
    public long drainStale() throws IOException {
        long n = 0;
        while (true) {
            buf.clear();
            int r = link.read(buf, 0);
            if (r <= 0) {
                return n;
            }
            log.chunk(SessionEvent.CTL_STALE, 0, buf, 0, r);
            n += r;
        }
    }

    public void order(String order) throws IOException {
        send(order + "\n");
    }

    /** Called with what is about to be written, before each write (--host marks it in the host trace). */
    public void markWritesWith(java.util.function.Consumer<String> marker) {
        this.marker = marker;
    }

    /**
     * A wait for a reply ends early, unanswered, once {@code when} says so (a user's Ctrl-C
     * during a metadata fetch that takes seconds). Checked every 200 ms.
     */
    public void abandonWaitsWhen(java.util.function.BooleanSupplier when) {
        this.abandon = when;
    }

    /** Writes; returns the host's CLOCK_MONOTONIC just before the write (after the log and the mark). */
    private long send(String wire) throws IOException {
        byte[] b = wire.getBytes(StandardCharsets.US_ASCII);
        marker.accept(PortNames.CONTROL + " <- " + wire.strip());
        log.event(SessionEvent.CTL_WRITE, b);
        long at = System.nanoTime();
        try {
            link.write(ByteBuffer.wrap(b), WRITE_TIMEOUT_MS);
            written += b.length;
            return at;
        } catch (IOException e) {
            log.portError(link.describe(), e);
            throw e;
        }
    }

    /**
     * Asks and waits up to {@code timeoutMs} for the reply with the request's id. Empty when
     * none came: {@link #lastProblem()} says what was seen instead.
     */
    public Optional<ReplyFrame> ask(String name, int timeoutMs) throws IOException {
        return ask(name, null, timeoutMs);
    }

    /** {@link #ask} for a request that carries an argument ({@code ?set-heartbeat/ID:N}), or null for none. */
    public Optional<ReplyFrame> ask(String name, String argument, int timeoutMs) throws IOException {
        return exchange(new Request(name, nextId++, argument), timeoutMs).map(TimedReply::frame);
    }

    /** {@link #ask} for a request that carries text (a trace configuration), as base64url. */
    public Optional<ReplyFrame> askText(String name, String text, int timeoutMs) throws IOException {
        return exchange(Request.withText(name, nextId++, text), timeoutMs).map(TimedReply::frame);
    }

    /** True when the wait for replies is being abandoned (a signal before tracing started). */
    public boolean abandoned() {
        return abandon.getAsBoolean();
    }

    /**
     * {@link #ask}, with the host's CLOCK_MONOTONIC just before the request's write and when
     * the read that completed its reply returned: the two ends of a clock-sync round trip.
     */
    public Optional<TimedReply> askTimed(String name, int timeoutMs) throws IOException {
        return exchange(new Request(name, nextId++), timeoutMs);
    }

    private Optional<TimedReply> exchange(Request r, int timeoutMs) throws IOException {
        long sent = send(r.wire());
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        lastProblem = null;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (abandon.getAsBoolean()) {
                lastProblem = "nothing before the wait was abandoned";
                return Optional.empty();
            }
            if (left <= 0) {
                String cut = scanner.pendingDescription();
                lastProblem = cut != null ? cut : scanner.noiseBytes() > 0
                        ? scanner.noiseBytes() + " bytes that are not a reply" : "nothing";
                return Optional.empty();
            }
            buf.clear();
            int n = link.read(buf, (int) Math.min(left, 200));
            long received = System.nanoTime();
            if (n < 0) {
                log.event(SessionEvent.CTL_EOF);
                lastProblem = "end of file: the guest side closed the port";
                return Optional.empty();
            }
            if (n == 0) {
                continue;
            }
            log.chunk(SessionEvent.CTL_READ, 0, buf, 0, n);
            read += n;
            buf.flip().get(copy, 0, n);
            for (ReplyFrame f : scanner.feed(copy, 0, n)) {
                if (f.requestId() == r.id()) {
                    return Optional.of(new TimedReply(f, sent, received));
                }
            }
        }
    }

    /** Bytes written to and read from the port in this session (not counting stale ones). */
    public long[] totals() {
        return new long[] {written, read};
    }

    /** What an unanswered {@link #ask} saw instead of its reply. */
    public String lastProblem() {
        return lastProblem;
    }

    public void close() {
        link.close();
    }
}
