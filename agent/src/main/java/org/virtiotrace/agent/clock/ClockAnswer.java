package org.virtiotrace.agent.clock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.virtiotrace.agent.control.ReplyFrame;
import org.virtiotrace.agent.control.Request;
import org.virtiotrace.agent.heartbeat.HeartbeatCounter;
import org.virtiotrace.agent.log.Log;
import org.virtiotrace.agent.log.RateLimiter;
import org.virtiotrace.agent.nativeio.Clock;
import org.virtiotrace.agent.nativeio.Native;
import org.virtiotrace.agent.nativeio.NativeException;
import org.virtiotrace.agent.tracefs.Tracefs;

/**
 * Answers {@code ?clock}, a clock-sync probe (docs/control-protocol.md): the traced buffer's
 * clock read when the probe was read and again when the reply is about to be written, plus
 * the guest's CLOCK_MONOTONIC and CLOCK_REALTIME, so the host can bound the offset between
 * its clock and ours from its own send and receive times. Answered on the control thread
 * itself, as soon as the probe is parsed: a hand-over to the request worker would only widen
 * the bound.
 */
public final class ClockAnswer implements AutoCloseable {
    private final Native nat;
    private final Tracefs traced;
    private final HeartbeatCounter heartbeat;
    private final RateLimiter failures = new RateLimiter(1, 60_000_000_000L);
    private TraceClock clock;
    private ClockStamps stamps;

    public ClockAnswer(Native nat, Tracefs traced, HeartbeatCounter heartbeat) {
        this.nat = nat;
        this.traced = traced;
        this.heartbeat = heartbeat;
    }

    public ReplyFrame answer(Request r) {
        try {
            if (stamps == null) {
                open();
            }
            stamps.stamp(0);
            long mono = nat.clockNanos(Clock.MONOTONIC);
            long real = nat.clockNanos(Clock.REALTIME);
            long beat = heartbeat.value();
            stamps.stamp(1);
            long[] t = stamps.times();
            TraceClock now = TraceClock.of(traced);
            if (!now.equals(clock)) {
                String was = clock.name();
                reset();
                return ReplyFrame.error(r.id(), "the trace clock changed from " + was + " to " + now.name()
                        + " during the probe; ask again");
            }
            String text = "clock=" + clock.name() + "\nmethod=" + stamps.method() + "\nreceived=" + t[0]
                    + "\nreplied=" + t[1] + "\nmono=" + mono + "\nrealtime=" + real + "\nheartbeat=" + beat + "\n";
            return ReplyFrame.ok(r.id(), text.getBytes(StandardCharsets.US_ASCII));
        } catch (Refusal e) {
            return ReplyFrame.error(r.id(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (failures.admit() == 1) {
                Log.error("request %s: %s", r, e.getMessage());
            }
            reset();
            return ReplyFrame.error(r.id(), "cannot read the trace clock: " + e.getMessage());
        }
    }

    private void open() throws IOException, NativeException, Refusal {
        clock = TraceClock.of(traced);
        if (clock.countsCycles()) {
            throw new Refusal(traced.dir().resolve("trace_clock") + ": the trace clock " + clock.name()
                    + " counts cycles, not ns; clock sync needs an ns clock (local, global, mono, boot...): "
                    + "choose another in " + traced.dir().resolve("trace_clock"));
        }
        var exact = clock.exact();
        stamps = exact.isPresent() ? new ExactStamps(nat, exact.get())
                : MarkerStamps.open(nat, traced.mount(), clock.name());
        Log.info("clock sync: the host asked for the %s clock's time; read by %s", clock.name(), stamps.method());
    }

    private void reset() {
        if (stamps != null) {
            stamps.close();
        }
        stamps = null;
    }

    @Override
    public void close() {
        reset();
    }

    private static final class Refusal extends Exception {
        Refusal(String message) {
            super(message);
        }
    }
}
