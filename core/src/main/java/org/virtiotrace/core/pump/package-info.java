/**
 * The per-CPU splice pump: one thread per CPU, pinned to it, that moves whole ring-buffer
 * pages from trace_pipe_raw through a pipe to a sink, with a memory ring when the sink is missing
 * or stalled, and delivers the partial page on stop. The agent runs one per guest CPU; the
 * collector runs them on the host's own private instance for record --host. Other threads talk
 * to a pump only through its {@link org.virtiotrace.core.pump.PumpControl}.
 */
package org.virtiotrace.core.pump;
