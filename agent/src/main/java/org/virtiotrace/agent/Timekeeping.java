package org.virtiotrace.agent;

import java.util.List;
import java.util.stream.Collectors;
import org.virtiotrace.agent.clock.ClockAnswer;
import org.virtiotrace.agent.control.Questions;
import org.virtiotrace.agent.heartbeat.HeartbeatAnswers;
import org.virtiotrace.agent.heartbeat.HeartbeatConfig;
import org.virtiotrace.agent.heartbeat.HeartbeatLog;
import org.virtiotrace.core.heartbeat.HeartbeatCounter;
import org.virtiotrace.core.heartbeat.HeartbeatMarker;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.pump.CpuPump;
import org.virtiotrace.core.tracefs.Tracefs;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.Request;

/**
 * The agent's sense of time: the heartbeat counter, its records in every CPU's stream and in
 * the log, and the requests about time ({@code ?clock}, {@code ?heartbeat},
 * {@code ?set-heartbeat}). Those are answered on the control thread as they are parsed: they
 * cost microseconds, and a clock probe must be stamped before anything else delays it.
 */
final class Timekeeping implements Questions, AutoCloseable {
    private final HeartbeatCounter counter = new HeartbeatCounter();
    private final ClockAnswer clock;
    private final HeartbeatAnswers heartbeatAnswers = new HeartbeatAnswers(counter);
    private final HeartbeatLog log;

    /**
     * @param tracefs the agent's own buffer (each pump's heartbeat starts there, and follows the pump)
     * @param traced  the buffer traced now, whose clock a probe reads
     */
    Timekeeping(Native nat, Tracefs tracefs, java.util.function.Supplier<Tracefs> traced, HeartbeatConfig cfg,
                List<CpuPump> pumps) {
        this.clock = new ClockAnswer(nat, traced, counter);
        if (cfg.inStreams()) {
            for (CpuPump p : pumps) {
                p.heartbeat(new HeartbeatMarker(nat, tracefs.dir().resolve("trace_marker_raw"), p.cpu(), cfg.id(),
                        counter));
            }
        }
        this.log = cfg.logSeconds() <= 0 ? null : new HeartbeatLog(counter, cfg.logSeconds(),
                () -> pumps.stream().map(p -> String.format("cpu%d %d bytes", p.cpu(), p.counters().bytes()))
                        .collect(Collectors.joining(", ")));
    }

    void start() {
        if (log != null) {
            log.start();
        }
    }

    /** True for the requests about time: answered on the control thread, not the request worker. */
    @Override
    public boolean answers(Request r) {
        return switch (r.name()) {
            case "clock", "heartbeat", "set-heartbeat" -> true;
            default -> false;
        };
    }

    /**
     * {@code ?update} is the last thing a host asks in a recording, after its last clock burst:
     * the clock-sync instance (if a clock needed one) goes with it, so a recording leaves the
     * guest's instance list as it found it. The next {@code ?clock} makes it again.
     */
    @Override
    public void heard(Request r) {
        if (r.name().equals("update")) {
            clock.close();
        }
    }

    /** On the control thread. */
    @Override
    public ReplyFrame answer(Request r) {
        return r.name().equals("clock") ? clock.answer(r) : heartbeatAnswers.answer(r);
    }

    /** After the control thread has ended: removes the clock-sync instance. */
    @Override
    public void close() {
        if (log != null) {
            log.close();
        }
        clock.close();
    }
}
