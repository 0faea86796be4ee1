package org.virtiotrace.host.tracedat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes trace.dat version 6, the linear layout Debian 12's trace-cmd 3.1.6 and KernelShark
 * read (docs/trace-dat.md has the layout, section by section). The file appears only whole:
 * it is written as {@code NAME.part}, synced, then renamed; a failure (a full disk) removes the
 * part and leaves no file a reader could choke on.
 */
public final class TraceDatWriter {
    static final byte[] MAGIC = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
    static final int OPTION_DONE = 0;
    static final int OPTION_DATE = 1;
    static final int OPTION_CPUSTAT = 2;
    static final int OPTION_TRACECLOCK = 4;
    static final int OPTION_UNAME = 5;
    static final int OPTION_OFFSET = 7;
    static final int OPTION_CPUCOUNT = 8;
    static final int OPTION_TRACEID = 11;
    static final int OPTION_TIME_SHIFT = 12;
    static final int OPTION_GUEST = 13;
    /** TIME_SHIFT's flag: interpolate between samples (else each holds until the next). */
    static final int TSYNC_INTERPOLATE = 1;

    private TraceDatWriter() {
    }

    /**
     * Writes {@code out} from the header and each CPU's pages ({@code cpuData.get(n)} holds
     * CPU n's whole pages, or is null for a CPU with none).
     */
    public static void write(Path out, TraceDatHeader h, List<CpuData> cpuData) throws IOException {
        Path part = out.resolveSibling(out.getFileName() + ".part");
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Sections s = new Sections(h.order());
            s.bytes(MAGIC).string("6").u8(h.order() == java.nio.ByteOrder.BIG_ENDIAN ? 1 : 0).u8(h.longSize())
                    .u32(h.pageSize());
            s.string("header_page").u64(h.headerPage().length).bytes(h.headerPage());
            s.string("header_event").u64(h.headerEvent().length).bytes(h.headerEvent());
            s.u32(h.ftraceFormats().size());
            h.ftraceFormats().forEach(f -> s.u64(f.length).bytes(f));
            s.u32(h.systemFormats().size());
            for (var sys : h.systemFormats().entrySet()) {
                s.string(sys.getKey()).u32(sys.getValue().size());
                sys.getValue().forEach(f -> s.u64(f.length).bytes(f));
            }
            s.u32(h.kallsyms().length).bytes(h.kallsyms());
            s.u32(h.printkFormats().length).bytes(h.printkFormats());
            s.u64(h.savedCmdlines().length).bytes(h.savedCmdlines());
            s.u32(h.cpuCount());
            writeOptions(s, h);
            s.string("flyrecord");
            long offsetsAt = s.size();
            for (int cpu = 0; cpu < h.cpuCount(); cpu++) {
                s.u64(0).u64(0); // filled in below, once the data's places are known
            }
            if (h.traceClock() != null) {
                byte[] clock = (h.traceClock() + "\n").getBytes(StandardCharsets.US_ASCII);
                s.u64(clock.length).bytes(clock);
            }
            long at = align(s.size(), h.pageSize());
            ByteBuffer head = s.buffer((int) (at - s.size()));
            for (int cpu = 0; cpu < h.cpuCount(); cpu++) {
                CpuData data = cpu < cpuData.size() ? cpuData.get(cpu) : null;
                long size = data == null ? 0 : data.size();
                if (size % h.pageSize() != 0) {
                    throw new IOException(data.describe() + ": " + size + " bytes is not a whole number of "
                            + h.pageSize() + "-byte pages");
                }
                head.putLong((int) offsetsAt + cpu * 16, at).putLong((int) offsetsAt + cpu * 16 + 8, size);
                at += size;
            }
            while (head.hasRemaining()) {
                ch.write(head);
            }
            for (int cpu = 0; cpu < h.cpuCount(); cpu++) {
                CpuData data = cpu < cpuData.size() ? cpuData.get(cpu) : null;
                if (data != null) {
                    data.copyTo(ch);
                }
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeOptions(Sections s, TraceDatHeader h) {
        s.string("options  ");
        s.u16(OPTION_CPUCOUNT).u32(4).u32(h.cpuCount());
        if (h.traceClock() != null) {
            // The clock text also follows the CPU offsets (what a v6 reader reads). trace-cmd 3.1.6
            // parses the option's own data as the clock too, as a string: empty, it parsed whatever
            // its malloc(0) held, and about 1 read in 100 printed raw ns instead of seconds.
            byte[] clock = (h.traceClock() + "\0").getBytes(StandardCharsets.US_ASCII);
            s.u16(OPTION_TRACECLOCK).u32(clock.length).bytes(clock);
        }
        if (h.uname() != null) {
            byte[] u = (h.uname() + "\0").getBytes(StandardCharsets.UTF_8);
            s.u16(OPTION_UNAME).u32(u.length).bytes(u);
        }
        if (h.date() != null) {
            byte[] d = (h.date() + "\0").getBytes(StandardCharsets.US_ASCII);
            s.u16(OPTION_DATE).u32(d.length).bytes(d);
        }
        writeTimeOptions(s, h.time());
        for (var e : h.cpuStats().entrySet()) {
            byte[] st = ("CPU: " + e.getKey() + "\n" + e.getValue() + "\0").getBytes(StandardCharsets.UTF_8);
            s.u16(OPTION_CPUSTAT).u32(st.length).bytes(st);
        }
        s.u16(OPTION_DONE);
    }

    private static void writeTimeOptions(Sections s, TimeOptions t) {
        if (t.traceId() != null) {
            s.u16(OPTION_TRACEID).u32(8).u64(t.traceId());
        }
        for (TimeOptions.Guest g : t.guests()) {
            byte[] name = (g.name() + "\0").getBytes(StandardCharsets.UTF_8);
            s.u16(OPTION_GUEST).u32(name.length + 8 + 4 + 8 * g.vcpuHostTids().size()).bytes(name).u64(g.traceId())
                    .u32(g.vcpuHostTids().size());
            for (int v = 0; v < g.vcpuHostTids().size(); v++) {
                s.u32(v).u32(g.vcpuHostTids().get(v));
            }
        }
        if (t.shift() != null) {
            List<List<TimeOptions.Sample>> cpus = t.shift().perCpu();
            int samples = cpus.stream().mapToInt(List::size).sum();
            // peer id, flags, CPU count; per CPU its count, times, offsets, scalings; then per CPU its fraction bits
            s.u16(OPTION_TIME_SHIFT).u32(16 + 4 * cpus.size() + 32 * samples).u64(t.shift().peerTraceId())
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
        }
        if (t.offsetNs() != null) {
            byte[] o = (t.offsetNs() + "\0").getBytes(StandardCharsets.US_ASCII);
            s.u16(OPTION_OFFSET).u32(o.length).bytes(o);
        }
    }

    static long align(long n, int to) {
        return (n + to - 1) / to * to;
    }
}
