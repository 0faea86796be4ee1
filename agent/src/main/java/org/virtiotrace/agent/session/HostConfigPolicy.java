package org.virtiotrace.agent.session;

import java.util.Optional;
import org.virtiotrace.core.config.TraceConfig;

/**
 * What the guest's administrator lets a host choose ({@code trace-agent --host-config}): the
 * host sits outside the guest, and what it may trace is the guest's call, not the host's.
 */
public enum HostConfigPolicy {
    /** Everything trace-cmd record can ask, as trace-cmd's own agent allows. */
    ALL,
    /** Events, filters, buffer size, clock and options; no function tracer or function filter. */
    EVENTS,
    /** Nothing: the agent serves what the guest's own administrator enabled. */
    NONE;

    /** The refusal, in one line naming the guest's option, when {@code config} asks more than allowed. */
    public Optional<String> refusal(TraceConfig config) {
        if (config.isEmpty() || this == ALL) {
            return Optional.empty();
        }
        if (this == NONE) {
            return Optional.of("the guest's trace-agent runs with --host-config none: the host may not choose what "
                    + "the guest traces (record without -e/-p/..., or ask the guest's administrator)");
        }
        if (config.tracesFunctions()) {
            return Optional.of("the guest's trace-agent runs with --host-config events: events, filters, buffer and "
                    + "clock only, no function tracer (-p, -l, -n, -g)");
        }
        return Optional.empty();
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
