package org.virtiotrace.host.tracedat;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Every CPU's pages compressed into chunks at once, one thread per CPU up to the machine's
 * processors, each into a file of its own beside the trace.dat being written ({@code
 * NAME.part.cpuN}); the writer then copies them in CPU order. Compressed pages are a few percent
 * of the pages, so the extra copy is small next to the compression it lets run in parallel.
 */
final class ParallelChunks {
    private final Path[] files;
    private final int[] chunks;

    private ParallelChunks(int cpus) {
        this.files = new Path[cpus];
        this.chunks = new int[cpus];
    }

    static ParallelChunks compress(List<CpuData> cpuData, int pageSize, ByteOrder order, Path part)
            throws IOException {
        ParallelChunks out = new ParallelChunks(cpuData.size());
        int busy = (int) cpuData.stream().filter(d -> d != null && !(d instanceof ChunkedPages)).count();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1,
                Math.min(busy, Runtime.getRuntime().availableProcessors())), r -> {
                    Thread t = new Thread(r, "compress");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int cpu = 0; cpu < cpuData.size(); cpu++) {
                CpuData data = cpuData.get(cpu);
                if (data == null || data instanceof ChunkedPages) {
                    continue; // none, or compressed already
                }
                int n = cpu;
                out.files[n] = part.resolveSibling(part.getFileName() + ".cpu" + n);
                done.add(pool.submit(() -> {
                    try (FileChannel f = FileChannel.open(out.files[n], StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                         ZstdChunks z = new ZstdChunks(f, pageSize, order)) {
                        data.copyTo(z);
                        z.finish();
                        out.chunks[n] = z.chunks();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return out;
        } catch (ExecutionException e) {
            out.delete();
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        } catch (InterruptedException e) {
            out.delete();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compressing the pages");
        } finally {
            pool.shutdownNow();
        }
    }

    int chunks(int cpu) {
        return chunks[cpu];
    }

    /** Appends CPU {@code cpu}'s chunks to {@code to}; returns their bytes. */
    long copyTo(int cpu, FileChannel to) throws IOException {
        try (FileChannel in = FileChannel.open(files[cpu], StandardOpenOption.READ)) {
            long size = in.size();
            CpuData.transfer(in, 0, size, to, files[cpu].toString());
            return size;
        }
    }

    void delete() throws IOException {
        for (Path f : files) {
            if (f != null) {
                Files.deleteIfExists(f);
            }
        }
    }
}
