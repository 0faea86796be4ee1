package org.virtiotrace.host.sync;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.host.control.TimedReply;

/**
 * Takes clock-sync samples over the control port: a burst of {@code ?clock} probes, one at a
 * time, keeping the fastest. The guest's trace clock is on one side, the host's
 * CLOCK_MONOTONIC on the other (the clock a --host trace is recorded with).
 *
 * <p>How long a probe may wait follows the round trips seen: four times the slowest of the last
 * burst that was answered ({@value #MIN_TIMEOUT_MS} ms at least), twice as long after a burst
 * that was not, up to {@value #MAX_TIMEOUT_MS} ms. A loaded host (or a busy TCG guest) answers
 * late, not never: one slow burst must not end alignment for the whole recording.
 */
public final class ClockProber {
    /** The first burst's wait: a guest that just started tracing answers slowly. */
    static final int FIRST_TIMEOUT_MS = 2000;
    static final int MIN_TIMEOUT_MS = 250;
    static final int MAX_TIMEOUT_MS = 5000;

    private final TimedReply.Asker asker;
    private final int probes;
    private int timeoutMs = FIRST_TIMEOUT_MS;
    private int bursts;
    private int answeredBursts;
    private String problem;
    private boolean refused;
    private String clock;

    public ClockProber(TimedReply.Asker asker, int probes) {
        this.asker = asker;
        this.probes = probes;
    }

    /**
     * One sample, or empty when no probe of the burst was answered ({@link #problem()} says
     * what happened; {@link #refused()} when the agent said it cannot, so asking again is useless).
     */
    public Optional<SyncSample> sample() throws IOException {
        Probe best = null;
        int answered = 0;
        long slowest = 0;
        String method = null;
        problem = null;
        bursts++;
        for (int i = 0; i < probes && !refused; i++) {
            long wallMinusMono = wallMinusMono();
            Optional<TimedReply> r = asker.ask("clock", timeoutMs);
            if (r.isEmpty()) {
                problem = "no answer to ?clock within " + timeoutMs + " ms";
                timeoutMs = Math.min(timeoutMs * 2, MAX_TIMEOUT_MS);
                break; // a missing answer would only make the next probes wait for it too
            }
            ReplyFrame f = r.get().frame();
            if (f.isError()) {
                problem = "the agent refused ?clock: " + f.text();
                refused = !f.text().contains("ask again");
                continue;
            }
            Properties p = new Properties();
            p.load(new StringReader(f.text()));
            try {
                Probe probe = new Probe(r.get().sentNanos(), num(p, "received"), num(p, "replied"),
                        r.get().receivedNanos(), num(p, "realtime") - num(p, "mono"), wallMinusMono,
                        Long.parseLong(p.getProperty("clock-error", "0").strip()),
                        Long.parseLong(p.getProperty("trace-minus-mono", "0").strip()));
                clock = p.getProperty("clock");
                method = p.getProperty("method", "?");
                answered++;
                slowest = Math.max(slowest, r.get().receivedNanos() - r.get().sentNanos());
                if (best == null || probe.delay() < best.delay()) {
                    best = probe;
                }
            } catch (NumberFormatException e) {
                problem = "a ?clock reply the host cannot read: " + f.text().strip().replace('\n', ' ');
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        answeredBursts++;
        if (problem == null) {
            timeoutMs = (int) Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, 4 * slowest / 1_000_000));
        }
        return Optional.of(new SyncSample(best, answered, probes, method));
    }

    /** Bursts asked, and how many of them gave a sample. */
    public int[] bursts() {
        return new int[] {bursts, answeredBursts};
    }

    private static long num(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new NumberFormatException("no " + key);
        }
        return Long.parseLong(v.strip());
    }

    /** CLOCK_REALTIME - CLOCK_MONOTONIC now, to the µs or so (two reads in a row). */
    public static long wallMinusMono() {
        long mono = System.nanoTime();
        Instant wall = Instant.now();
        return wall.getEpochSecond() * 1_000_000_000L + wall.getNano() - mono;
    }

    /** What went wrong in the last burst, or null. */
    public String problem() {
        return problem;
    }

    /** The agent said it cannot answer (a counter clock): asking again is useless. */
    public boolean refused() {
        return refused;
    }

    /** The guest's trace clock, as the last reply named it. */
    public String clock() {
        return clock;
    }
}
