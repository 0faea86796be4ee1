package org.virtiotrace.host.tracedat;

import java.util.List;

/**
 * What puts a trace.dat on another clock's timeline, in trace-cmd's own options (ids as
 * trace-cmd 3.1.6 reads them; docs/trace-dat.md): this file's trace id (TRACEID, a host file),
 * the guests it traced (GUEST), the samples that map its times to its peer's (TIME_SHIFT, a
 * guest file), and a plain offset in ns (OFFSET). Every part may be absent (null or empty).
 *
 * <p>trace-cmd applies TIME_SHIFT whenever it reads the file, alone or merged ({@code report -i
 * host.dat -i guest.dat}): peer time = time + offset, per CPU, interpolated between samples
 * (or stepped), extrapolated beyond them. It does not check the peer id.
 */
public record TimeOptions(Long traceId, TimeShift shift, List<Guest> guests, Long offsetNs) {
    public static final TimeOptions NONE = new TimeOptions(null, null, List.of(), null);

    /** The same with OFFSET {@code ns} (null: none). */
    public TimeOptions withOffset(Long ns) {
        return new TimeOptions(traceId, shift, guests, ns);
    }

    /** A sample: at this file's {@code time}, its peer's time is {@code time + offset}. */
    public record Sample(long time, long offset) {
    }

    /**
     * Per CPU of this file (index = CPU), its samples in time order. Every CPU needs one at
     * least: trace-cmd 3.1.6 divides by a CPU's sample count (SIGFPE on none), and leaves a CPU
     * beyond the list unshifted.
     */
    public record TimeShift(long peerTraceId, boolean interpolate, List<List<Sample>> perCpu) {
        public TimeShift {
            perCpu = List.copyOf(perCpu);
            for (int cpu = 0; cpu < perCpu.size(); cpu++) {
                List<Sample> s = perCpu.get(cpu);
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("cpu" + cpu + " has no time sample: trace-cmd cannot read that");
                }
                for (int i = 1; i < s.size(); i++) {
                    Sample a = s.get(i - 1);
                    Sample b = s.get(i);
                    if (b.time() <= a.time()) {
                        throw new IllegalArgumentException("cpu" + cpu + ": samples out of time order at " + i);
                    }
                    // trace-cmd interpolates in 64 bits: (t - a.time) * (b.offset - a.offset) must not overflow
                    long span = b.time() - a.time();
                    long moved = Math.abs(b.offset() - a.offset());
                    if (interpolate && Math.multiplyHigh(span, moved) != 0 || interpolate && span * moved < 0) {
                        throw new IllegalArgumentException("cpu" + cpu + ": samples " + (i - 1) + " and " + i
                                + " are too far apart for trace-cmd's 64-bit interpolation; sample more often");
                    }
                }
            }
        }
    }

    /** A guest this (host) file traced: its name, its file's trace id, each vCPU's host thread id. */
    public record Guest(String name, long traceId, List<Integer> vcpuHostTids) {
    }
}
