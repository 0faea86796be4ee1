package org.virtiotrace.agent.clock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.virtiotrace.core.heartbeat.HeartbeatCounter;
import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.log.RateLimiter;
import org.virtiotrace.core.nativeio.Clock;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;
import org.virtiotrace.core.tracefs.Tracefs;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * Answers {@code ?clock}, a clock-sync probe (docs/control-protocol.md). The probe's arrival
 * and the reply's departure are stamped with CLOCK_MONOTONIC, exactly and as close to the
 * port's read and write as the control thread can (it answers as soon as the probe is parsed
 * and writes the reply at once); between the two, one {@link Calibration} carries them into
 * the trace clock, and its own uncertainty is sent along. The host bounds the offset from its
 * own send and receive times.
 */
public final class ClockAnswer implements AutoCloseable {
    private final Native nat;
    /** The buffer traced now (a recording's instance, or the agent's own): its clock is the one asked for. */
    private final java.util.function.Supplier<Tracefs> traced;
    private Tracefs openedFor;
    private final HeartbeatCounter heartbeat;
    private final RateLimiter failures = new RateLimiter(1, 60_000_000_000L);
    private TraceClock clock;
    private ClockReader reader;

    public ClockAnswer(Native nat, java.util.function.Supplier<Tracefs> traced, HeartbeatCounter heartbeat) {
        this.nat = nat;
        this.traced = traced;
        this.heartbeat = heartbeat;
    }

    public ReplyFrame answer(Request r) {
        try {
            long received = nat.clockNanos(Clock.MONOTONIC);
            Tracefs buf = traced.get();
            if (reader == null || !buf.dir().equals(openedFor.dir())) {
                reset();
                open(buf);
            }
            Calibration cal = reader.calibrate();
            long real = nat.clockNanos(Clock.REALTIME);
            long mono = nat.clockNanos(Clock.MONOTONIC);
            long beat = heartbeat.value();
            TraceClock now = TraceClock.of(buf);
            if (!now.equals(clock)) {
                String was = clock.name();
                reset();
                return ReplyFrame.error(r.id(), "the trace clock changed from " + was + " to " + now.name()
                        + " during the probe; ask again");
            }
            StringBuilder text = new StringBuilder(200).append("clock=").append(clock.name()).append("\nmethod=")
                    .append(reader.method()).append("\nclock-error=").append(cal.error()).append("\ntrace-minus-mono=")
                    .append(cal.offset()).append("\nmono=").append(mono)
                    .append("\nrealtime=").append(real).append("\nheartbeat=").append(beat).append("\nreceived=")
                    .append(received + cal.offset());
            long replied = nat.clockNanos(Clock.MONOTONIC); // last: the reply is written right after
            text.append("\nreplied=").append(replied + cal.offset()).append('\n');
            return ReplyFrame.ok(r.id(), text.toString().getBytes(StandardCharsets.US_ASCII));
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

    private void open(Tracefs buf) throws IOException, NativeException, Refusal {
        clock = TraceClock.of(buf);
        if (clock.countsCycles()) {
            throw new Refusal(buf.dir().resolve("trace_clock") + ": the trace clock " + clock.name()
                    + " counts cycles, not ns; clock sync needs an ns clock (local, global, mono, boot...): "
                    + "choose another in " + buf.dir().resolve("trace_clock"));
        }
        var exact = clock.exact();
        reader = exact.isPresent() ? new ExactReader(nat, exact.get())
                : MarkerReader.open(nat, buf.mount(), clock.name());
        openedFor = buf;
        Log.info("clock sync: the host asked for the %s clock's time; read by %s", clock.name(), reader.method());
    }

    private void reset() {
        if (reader != null) {
            reader.close();
        }
        reader = null;
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
