package org.virtiotrace.host.tracedat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** One CPU's whole pages, wherever they lie: a file of their own, or ranges of another file. */
public interface CpuData {
    long size() throws IOException;

    /** Appends the pages to {@code to}. */
    void copyTo(WritableByteChannel to) throws IOException;

    /** What to name in messages. */
    String describe();

    /**
     * The list {@link TraceDatWriter#write} takes: index = CPU number, up to the highest one, null
     * for a CPU with no data (a sparse CPU list).
     */
    public static java.util.List<CpuData> byCpu(java.util.Map<Integer, CpuData> data) {
        int count = data.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        java.util.List<CpuData> out = new java.util.ArrayList<>(java.util.Collections.nCopies(count, null));
        data.forEach(out::set);
        return out;
    }

    /** Pages that are a whole file (a spool, cpuN.raw). */
    static CpuData of(Path file) {
        return new CpuData() {
            @Override
            public long size() throws IOException {
                return Files.size(file);
            }

            @Override
            public void copyTo(WritableByteChannel to) throws IOException {
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                    transfer(in, 0, in.size(), to, file.toString());
                }
            }

            @Override
            public String describe() {
                return file.toString();
            }
        };
    }

    /** Fills {@code b} from {@code in} at {@code at}, in as many reads as it takes. */
    static void readFully(FileChannel in, java.nio.ByteBuffer b, long at, String what) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b, at + b.position()) <= 0) {
                throw new IOException(what + ": " + b.remaining() + " bytes short at " + (at + b.position())
                        + " (the file is shorter)");
            }
        }
    }

    /** Copies {@code len} bytes of {@code in} from {@code at}, in as many transfers as it takes. */
    static void transfer(FileChannel in, long at, long len, WritableByteChannel to, String what) throws IOException {
        long done = 0;
        while (done < len) {
            long n = in.transferTo(at + done, len - done, to);
            if (n <= 0) {
                throw new IOException(what + ": copied " + done + " of " + len + " bytes (the file is shorter)");
            }
            done += n;
        }
    }
}
