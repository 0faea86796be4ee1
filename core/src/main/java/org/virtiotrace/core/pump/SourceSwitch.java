package org.virtiotrace.core.pump;

import org.virtiotrace.core.nativeio.Fd;
import org.virtiotrace.core.nativeio.Native;

/**
 * Which buffer one pump reads: its own for life, or one a recording lent it for a run
 * ({@link PumpControl#follow}). Owned by the pump's thread, like every fd it holds; the pump
 * asks it for the trace fd, the drain budget and the quiet probe at each use, so a switch
 * takes effect at once.
 */
final class SourceSwitch {
    private final Native nat;
    private final TraceSource own;
    private TraceSource current;
    private QuietProbe quiet;

    SourceSwitch(Native nat, TraceSource own) {
        this.nat = nat;
        this.own = own;
        this.current = own;
        this.quiet = new QuietProbe(nat, own.statsFile().toString());
    }

    Fd trace() {
        return current.trace();
    }

    long drainBudget() {
        return current.drainBudget();
    }

    QuietProbe quiet() {
        return quiet;
    }

    TraceSource current() {
        return current;
    }

    boolean lent() {
        return current.lent();
    }

    /** From now on {@code next} (call with nothing lent: {@link #takeBack} first). Returns {@code next}. */
    TraceSource read(TraceSource next) {
        return use(next);
    }

    /**
     * The run on a lent source is over: the pump's own buffer again. Returns the lent one, still
     * open: the pump moves its heartbeat off it first, then {@link #handBack}s it (its owner
     * removes the buffer, which the kernel refuses while any file in it is open).
     */
    TraceSource takeBack() {
        TraceSource done = current;
        use(own);
        return done;
    }

    /** Closes a lent source's pipe and tells its owner. */
    static void handBack(TraceSource done) {
        done.trace().close();
        done.released().run();
    }

    /** At the pump's end, nothing lent any more: hands back one handed over but never taken, closes its own. */
    void release(TraceSource pending) {
        if (pending != null) {
            handBack(pending);
        }
        own.trace().close();
    }

    private TraceSource use(TraceSource s) {
        current = s;
        quiet = new QuietProbe(nat, s.statsFile().toString());
        return s;
    }
}
