package org.virtiotrace.host.faults;

import java.util.ArrayList;
import java.util.List;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.MatrixCell.HostFault;
import org.virtiotrace.host.testing.MatrixCell.Spec;
import org.virtiotrace.host.testing.MatrixCell.When;
import org.virtiotrace.host.testing.StandInGuest.Fault;

/**
 * The fault matrix's cells and what each must end with: the table "When things go wrong" in
 * docs/host.md, as rules. Record runs with --answer-timeout 1000 (the handshake 1 s, ?meta 12 s,
 * the final ?update 2 s) and a stall or SIGSTOP lasts 5 s.
 */
final class FaultOutcomes {
    /**
     * @param exit       the exit status
     * @param dat        a trace.dat trace-cmd reads, of what arrived
     * @param raw        no trace.dat can be made: the raw streams are kept in FILE.raw
     * @param spoolStays the output's directory refuses removals too, so the spool cannot go (it is named)
     * @param says       what the one line says
     */
    record Expected(int exit, boolean dat, boolean raw, boolean spoolStays, String says) {
    }

    private FaultOutcomes() {
    }

    /** Every guest fault at every phase and every host fault at every moment, over FIFOs and sockets. */
    static List<Spec> cells() {
        List<Spec> cells = new ArrayList<>();
        for (boolean sockets : new boolean[] {false, true}) {
            for (When when : When.values()) {
                if (when != When.WRITING_FILES) {
                    for (Fault f : Fault.values()) {
                        cells.add(new Spec(sockets, when, f, HostFault.NONE, false));
                    }
                }
                for (HostFault h : HostFault.values()) {
                    if (h != HostFault.NONE) {
                        // --host rides on the SIGTERM cells over FIFOs: its instance must go however record ends
                        cells.add(new Spec(sockets, when, null, h, h == HostFault.SIGTERM && !sockets));
                    }
                }
            }
        }
        return cells;
    }

    static Expected expected(Spec s) {
        return s.guestFault() != null ? guest(s.when(), s.guestFault()) : host(s.when(), s.hostFault());
    }

    private static Expected guest(When when, Fault f) {
        switch (when) {
            case BEFORE_HANDSHAKE, IN_HANDSHAKE_REPLY, IN_META_REPLY -> {
                if (f == Fault.PORT_CLOSED || f == Fault.EPIPE_ON_HOST_WRITE) {
                    // the guest went away before tracing started
                    return none(Exit.NO_GUEST, "error:");
                }
                boolean harmless = f == Fault.GARBAGE && when == When.BEFORE_HANDSHAKE
                        || f == Fault.TRUNCATED && when == When.BEFORE_HANDSHAKE
                        || (f == Fault.STALL || f == Fault.STOPPED_THEN_CONTINUED) && when == When.IN_META_REPLY;
                if (harmless) {
                    // noise is skipped; nothing was cut yet; a 5 s pause is within ?meta's 12 s
                    return whole();
                }
                // no whole answer to the handshake or ?meta in time: the raw streams, no trace.dat
                return new Expected(Exit.NO_METADATA, false, true, false, "raw streams");
            }
            case DATA_FLOWING, STOP_TAIL -> {
                return switch (f) {
                    // pages cut or mixed with noise: the torn ones are refused, the rest kept
                    case GARBAGE, TRUNCATED -> incomplete("torn pages refused");
                    case EPIPE_ON_HOST_WRITE -> incomplete(when == When.DATA_FLOWING ? "cannot send the stop order"
                            : "cannot ask for the final update");
                    case PORT_CLOSED -> incomplete(when == When.DATA_FLOWING ? "the guest went away" : "final update");
                    // silent when the stop came: what it sends after the ?update's wait is not in the file
                    case KILLED, STALL, STOPPED_THEN_CONTINUED -> incomplete("final update");
                };
            }
            case IN_FINAL_UPDATE -> {
                if (f == Fault.EPIPE_ON_HOST_WRITE) {
                    return whole(); // nothing more is written to the port after the ?update
                }
                return incomplete("no answer to the final update");
            }
            default -> throw new IllegalArgumentException(when.toString());
        }
    }

    private static Expected host(When when, HostFault h) {
        boolean beforeStart = when == When.BEFORE_HANDSHAKE || when == When.IN_HANDSHAKE_REPLY
                || when == When.IN_META_REPLY;
        switch (h) {
            case SIGINT, SIGTERM, SECOND_SIGINT -> {
                if (beforeStart) {
                    return none(Exit.STOPPED_BEFORE_START, "before tracing started");
                }
                boolean tailAwaited = when != When.DATA_FLOWING && when != When.STOP_TAIL;
                return h == HostFault.SECOND_SIGINT && !tailAwaited ? incomplete("cut the wait") : whole();
            }
            case DISK_FULL -> {
                return none(Exit.OUTPUT, when == When.WRITING_FILES ? "holds every page: virtio-trace replay"
                        : "No space left on device");
            }
            case OUTPUT_UNWRITABLE -> {
                if (beforeStart) {
                    return none(Exit.OUTPUT, "cannot make the spool directory");
                }
                return new Expected(Exit.OUTPUT, false, false, true, "holds every page: virtio-trace replay");
            }
            default -> throw new IllegalArgumentException(h.toString());
        }
    }

    private static Expected whole() {
        return new Expected(Exit.OK, true, false, false, "");
    }

    private static Expected incomplete(String says) {
        return new Expected(Exit.INCOMPLETE, true, false, false, says);
    }

    private static Expected none(int exit, String says) {
        return new Expected(exit, false, false, false, says);
    }
}
