package org.virtiotrace.core.tracefs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One trace buffer: the top-level tracefs directory or one of its instances.
 * Knows where its files are and reads the few numbers the agent needs.
 */
public final class Tracefs {
    private final Path mount;
    private final Path dir;

    public Tracefs(Path mount, Path dir) {
        this.mount = mount;
        this.dir = dir;
    }

    /** The tracefs mount point. */
    public Path mount() {
        return mount;
    }

    /** The trace buffer in use: the mount itself or {@code instances/NAME}. */
    public Path dir() {
        return dir;
    }

    public Path tracePipeRaw(int cpu) {
        return dir.resolve("per_cpu/cpu" + cpu + "/trace_pipe_raw");
    }

    public Path statsFile(int cpu) {
        return dir.resolve("per_cpu/cpu" + cpu + "/stats");
    }

    /**
     * The ring buffer's sub-buffer ("page") size: splice only moves whole ones.
     * Kernels before 6.8 have no buffer_subbuf_size_kb and use the system page size.
     */
    public int subBufferSize() throws IOException {
        Path f = dir.resolve("buffer_subbuf_size_kb");
        if (!Files.exists(f)) {
            f = mount.resolve("buffer_subbuf_size_kb");
        }
        if (!Files.exists(f)) {
            return 4096;
        }
        return Integer.parseInt(Files.readString(f).trim()) * 1024;
    }

    /**
     * Bytes of ring buffer per CPU once expanded; bounds how much the agent drains on stop
     * so it never chases a trace that is still being written.
     * The file reads "1408" or, before first use, "7 (expanded: 1408)".
     */
    public long bufferSizePerCpu(int cpu) throws IOException {
        Path f = dir.resolve("per_cpu/cpu" + cpu + "/buffer_size_kb");
        if (!Files.exists(f)) {
            f = dir.resolve("buffer_size_kb");
        }
        long kb = 0;
        for (String word : Files.readString(f).replaceAll("[^0-9]+", " ").trim().split(" ")) {
            if (!word.isEmpty()) {
                kb = Math.max(kb, Long.parseLong(word));
            }
        }
        return kb * 1024;
    }

    public CpuStats stats(int cpu) throws IOException {
        return CpuStats.parse(Files.readString(statsFile(cpu)));
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
