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
 * Writes trace.dat: version 6, the linear layout every trace-cmd and KernelShark read, or
 * version 7 ({@link TraceDatV7}), compressed or not (docs/trace-dat.md has both layouts,
 * section by section). The file appears only whole:
 * it is written as {@code NAME.part}, synced, then renamed; a failure (a full disk) removes the
 * part and leaves no file a reader could choke on.
 */
public final class TraceDatWriter {
    static final byte[] MAGIC = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};

    private TraceDatWriter() {
    }

    /** {@link #write(Path, TraceDatHeader, List, TraceDatFormat)} as version 6. */
    public static void write(Path out, TraceDatHeader h, List<CpuData> cpuData) throws IOException {
        write(out, h, cpuData, TraceDatFormat.V6);
    }

    /**
     * Writes {@code out} from the header and each CPU's pages ({@code cpuData.get(n)} holds
     * CPU n's whole pages, or is null for a CPU with none), in {@code format}.
     */
    public static void write(Path out, TraceDatHeader h, List<CpuData> cpuData, TraceDatFormat format)
            throws IOException {
        Path part = out.resolveSibling(out.getFileName() + ".part");
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (format.version() == 7) {
                new TraceDatV7(ch, h, format.compressed(), part).write(cpuData);
            } else {
                writeV6(ch, h, cpuData);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeV6(FileChannel ch, TraceDatHeader h, List<CpuData> cpuData) throws IOException {
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
        s.string("options  ");
        HeaderOptions.write(s, HeaderOptions.of(h));
        s.u16(HeaderOptions.DONE);
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
    }

    static long align(long n, int to) {
        return (n + to - 1) / to * to;
    }
}
