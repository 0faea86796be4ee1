package org.virtiotrace.host.tracedat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * trace.dat version 7 as trace-cmd 3.x writes it (docs/trace-dat.md, "Version 7"): the file
 * header naming the compression, then sections laid end to end, each with a 16-byte header (id,
 * flags, description, size). Written in the order trace-cmd record uses: the metadata sections
 * (header info, ftrace events, event formats, kallsyms, printk formats, comm names), the buffer
 * section with each CPU's pages from a page boundary, one options section pointing at all of
 * them, and the strings section last; the header's pointer to the options is patched in at the
 * end. Compressed, every section but the options is zstd: metadata as one block, pages in chunks
 * ({@link ZstdChunks}): taken as they are from a recording that compressed while it ran
 * ({@link ChunkedPages}), else compressed here for all CPUs at once ({@link ParallelChunks}).
 */
final class TraceDatV7 {
    static final int SECTION_OPTIONS = 0;
    static final int SECTION_BUFFER = 3;
    static final int SECTION_STRINGS = 15;
    static final int SECTION_HEADER_INFO = 16;
    static final int SECTION_FTRACE_EVENTS = 17;
    static final int SECTION_EVENT_FORMATS = 18;
    static final int SECTION_KALLSYMS = 19;
    static final int SECTION_PRINTK = 20;
    static final int SECTION_CMDLINES = 21;
    static final int FLAG_COMPRESSED = 1;

    private final FileChannel ch;
    private final TraceDatHeader h;
    private final boolean compressed;
    private final Path part;
    private final Sections strings;
    private final List<HeaderOptions.Option> sectionOptions = new ArrayList<>();

    TraceDatV7(FileChannel ch, TraceDatHeader h, boolean compressed, Path part) {
        this.ch = ch;
        this.h = h;
        this.compressed = compressed;
        this.part = part;
        this.strings = new Sections(h.order(), 256);
    }

    void write(List<CpuData> cpuData) throws IOException {
        // the pages first, on every CPU at once: the rest waits on nothing else
        ParallelChunks pages = compressed ? ParallelChunks.compress(cpuData, h.pageSize(), h.order(), part) : null;
        try {
            Sections head = new Sections(h.order(), 64);
            head.bytes(TraceDatWriter.MAGIC).string("7").u8(h.order() == java.nio.ByteOrder.BIG_ENDIAN ? 1 : 0)
                    .u8(h.longSize()).u32(h.pageSize());
            head.string(compressed ? TraceDatFormat.ZSTD : "none").string(compressed ? zstdVersion() : "");
            long optionsPointer = head.size();
            head.u64(0);
            put(head.array());

            Sections s = sections();
            s.string("header_page").u64(h.headerPage().length).bytes(h.headerPage());
            s.string("header_event").u64(h.headerEvent().length).bytes(h.headerEvent());
            metadata(SECTION_HEADER_INFO, "headers", s);
            s = sections().u32(h.ftraceFormats().size());
            for (byte[] f : h.ftraceFormats()) {
                s.u64(f.length).bytes(f);
            }
            metadata(SECTION_FTRACE_EVENTS, "ftrace events", s);
            s = sections().u32(h.systemFormats().size());
            for (var sys : h.systemFormats().entrySet()) {
                s.string(sys.getKey()).u32(sys.getValue().size());
                for (byte[] f : sys.getValue()) {
                    s.u64(f.length).bytes(f);
                }
            }
            metadata(SECTION_EVENT_FORMATS, "events format", s);
            metadata(SECTION_KALLSYMS, "kallsyms", sections().u32(h.kallsyms().length).bytes(h.kallsyms()));
            metadata(SECTION_PRINTK, "printk", sections().u32(h.printkFormats().length).bytes(h.printkFormats()));
            metadata(SECTION_CMDLINES, "command lines",
                    sections().u64(h.savedCmdlines().length).bytes(h.savedCmdlines()));

            byte[] buffer = buffer(cpuData, pages);

            long options = ch.position();
            long size = sectionHeader(SECTION_OPTIONS, 0, "options");
            Sections o = sections();
            HeaderOptions.write(o, sectionOptions);
            HeaderOptions.write(o, HeaderOptions.of(h));
            HeaderOptions.write(o, List.of(new HeaderOptions.Option(HeaderOptions.BUFFER, buffer),
                    new HeaderOptions.Option(HeaderOptions.DONE, sections().u64(0).array())));
            put(o.array());
            endSection(size);

            long stringsSize = sectionHeader(SECTION_STRINGS, flags(), "strings");
            block(strings.array());
            endSection(stringsSize);

            ch.write(ByteBuffer.allocate(8).order(h.order()).putLong(0, options), optionsPointer);
        } finally {
            if (pages != null) {
                pages.delete();
            }
        }
    }

    /**
     * The buffer section: from a page boundary, each CPU's pages (raw, or its chunk count and
     * chunks); returns the buffer option's data, which says where each CPU's lie.
     */
    private byte[] buffer(List<CpuData> cpuData, ParallelChunks pages) throws IOException {
        long header = ch.position();
        long size = sectionHeader(SECTION_BUFFER, flags(), "buffer flyrecord ");
        Sections option = sections().u64(header).string("").string(clockName(h.traceClock())).u32(h.pageSize());
        List<long[]> cpus = new ArrayList<>();
        for (int cpu = 0; cpu < cpuData.size(); cpu++) {
            CpuData data = cpuData.get(cpu);
            long bytes = data == null ? 0 : data.size();
            if (bytes % h.pageSize() != 0) {
                throw new IOException(data.describe() + ": " + bytes + " bytes is not a whole number of "
                        + h.pageSize() + "-byte pages");
            }
            if (bytes == 0) {
                continue; // as trace-cmd: a CPU with no pages is not listed
            }
            padTo(TraceDatWriter.align(ch.position(), h.pageSize()));
            long at = ch.position();
            long written;
            if (compressed && data instanceof ChunkedPages c) {
                put(sections().u32(c.chunkCount()).array());
                written = c.copyChunksTo(ch);
            } else if (pages != null) {
                put(sections().u32(pages.chunks(cpu)).array());
                written = pages.copyTo(cpu, ch);
            } else {
                data.copyTo(ch);
                written = bytes;
            }
            cpus.add(new long[] {cpu, at, written});
        }
        endSection(size);
        option.u32(cpus.size());
        for (long[] c : cpus) {
            option.u32(c[0]).u64(c[1]).u64(c[2]);
        }
        return option.array();
    }

    /**
     * The clock the buffer option names: the selected one of trace_clock's text ("[local] global
     * ..."), as trace-cmd writes it; "local", trace-cmd's own fallback, when there is none.
     */
    static String clockName(String traceClock) {
        if (traceClock == null) {
            return "local";
        }
        int open = traceClock.indexOf('[');
        int close = traceClock.indexOf(']', open + 1);
        if (open >= 0 && close > open) {
            return traceClock.substring(open + 1, close);
        }
        String t = traceClock.strip();
        return t.isEmpty() ? "local" : t.split("\\s+")[0];
    }

    /** A metadata section: one zstd block when compressed, else the data as it is. */
    private void metadata(int id, String description, Sections data) throws IOException {
        long header = ch.position();
        long size = sectionHeader(id, flags(), description);
        if (compressed) {
            block(data.array());
        } else {
            put(data.array());
        }
        endSection(size);
        sectionOptions.add(new HeaderOptions.Option(id, sections().u64(header).array()));
    }

    /** u32 compressed size, u32 size, one zstd frame; or the bytes as they are in a file without compression. */
    private void block(byte[] data) throws IOException {
        if (!compressed) {
            put(data);
            return;
        }
        byte[] z = com.github.luben.zstd.Zstd.compress(data, ZstdChunks.LEVEL);
        put(sections().u32(z.length).u32(data.length).array());
        put(z);
    }

    /** Writes a section header with size 0; returns where its size goes ({@link #endSection}). */
    private long sectionHeader(int id, int flags, String description) throws IOException {
        long descriptionId = strings.size();
        strings.string(description);
        long at = ch.position();
        put(sections().u16(id).u16(flags).u32(descriptionId).u64(0).array());
        return at + 8;
    }

    /** The size of a section: everything after its header, up to here. */
    private void endSection(long sizeAt) throws IOException {
        ch.write(ByteBuffer.allocate(8).order(h.order()).putLong(0, ch.position() - sizeAt - 8), sizeAt);
    }

    private int flags() {
        return compressed ? FLAG_COMPRESSED : 0;
    }

    private Sections sections() {
        return new Sections(h.order(), 64);
    }

    private void padTo(long to) throws IOException {
        long n = to - ch.position();
        if (n > 0) {
            put(new byte[(int) n]);
        }
    }

    private void put(byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** What the header names as the compression's version: the zstd inside zstd-jni ("1.5.7" of "1.5.7-6"). */
    static String zstdVersion() {
        try (var in = TraceDatV7.class.getResourceAsStream("zstd.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("zstd-jni", "");
            return v.contains("-") ? v.substring(0, v.indexOf('-')) : v;
        } catch (IOException e) {
            return ""; // trace-cmd's reader does not look at it
        }
    }
}
