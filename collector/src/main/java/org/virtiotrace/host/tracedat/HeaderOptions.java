package org.virtiotrace.host.tracedat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The options a trace.dat carries about its recording, the same in version 6 (the options block
 * before "flyrecord") and version 7 (an options section): CPU count, trace_clock's text, uname, date, the timeline's TRACEID, GUEST, TIME_SHIFT and OFFSET, and
 * each CPU's stats. docs/trace-dat.md has each one's payload.
 */
final class HeaderOptions {
    static final int DONE = 0;
    static final int DATE = 1;
    static final int CPUSTAT = 2;
    static final int BUFFER = 3;
    static final int TRACECLOCK = 4;
    static final int UNAME = 5;
    static final int OFFSET = 7;
    static final int CPUCOUNT = 8;
    static final int TRACEID = 11;
    static final int TIME_SHIFT = 12;
    static final int GUEST = 13;
    /** TIME_SHIFT's flag: interpolate between samples (else each holds until the next). */
    static final int TSYNC_INTERPOLATE = 1;

    /** One option: its id and its data. */
    record Option(int id, byte[] data) {
    }

    private HeaderOptions() {
    }

    /** The header's options in the order they are written. */
    static List<Option> of(TraceDatHeader h) {
        List<Option> out = new ArrayList<>();
        out.add(new Option(CPUCOUNT, data(h).u32(h.cpuCount()).array()));
        if (h.traceClock() != null) {
            // The clock text also follows the CPU offsets (what a v6 reader reads). trace-cmd 3.1.6
            // parses the option's own data as the clock too, as a string: empty, it parsed whatever
            // its malloc(0) held, and about 1 read in 100 printed raw ns instead of seconds.
            out.add(new Option(TRACECLOCK, text(h.traceClock())));
        }
        if (h.uname() != null) {
            out.add(new Option(UNAME, text(h.uname())));
        }
        if (h.date() != null) {
            out.add(new Option(DATE, text(h.date())));
        }
        timeOptions(out, h);
        for (var e : h.cpuStats().entrySet()) {
            out.add(new Option(CPUSTAT, text("CPU: " + e.getKey() + "\n" + e.getValue())));
        }
        return out;
    }

    private static void timeOptions(List<Option> out, TraceDatHeader h) {
        TimeOptions t = h.time();
        if (t.traceId() != null) {
            out.add(new Option(TRACEID, data(h).u64(t.traceId()).array()));
        }
        for (TimeOptions.Guest g : t.guests()) {
            Sections s = data(h).string(g.name()).u64(g.traceId()).u32(g.vcpuHostTids().size());
            for (int v = 0; v < g.vcpuHostTids().size(); v++) {
                s.u32(v).u32(g.vcpuHostTids().get(v));
            }
            out.add(new Option(GUEST, s.array()));
        }
        if (t.shift() != null) {
            List<List<TimeOptions.Sample>> cpus = t.shift().perCpu();
            // peer id, flags, CPU count; per CPU its count, times, offsets, scalings; then per CPU its fraction bits
            Sections s = data(h).u64(t.shift().peerTraceId())
                    .u32(t.shift().interpolate() ? TSYNC_INTERPOLATE : 0).u32(cpus.size());
            for (List<TimeOptions.Sample> c : cpus) {
                s.u32(c.size());
                c.forEach(x -> s.u64(x.time()));
                c.forEach(x -> s.u64(x.offset()));
                c.forEach(x -> s.u64(1)); // scaling: 1 (0 would make every time the offset alone)
            }
            for (List<TimeOptions.Sample> c : cpus) {
                c.forEach(x -> s.u64(0));
            }
            out.add(new Option(TIME_SHIFT, s.array()));
        }
        if (t.offsetNs() != null) {
            out.add(new Option(OFFSET, text(Long.toString(t.offsetNs()))));
        }
    }

    /** Writes each option as u16 id, u32 size, data. */
    static void write(Sections s, List<Option> options) {
        for (Option o : options) {
            s.u16(o.id()).u32(o.data().length).bytes(o.data());
        }
    }

    private static Sections data(TraceDatHeader h) {
        return new Sections(h.order(), 64);
    }

    private static byte[] text(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }
}
