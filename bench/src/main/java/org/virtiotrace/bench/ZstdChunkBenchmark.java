package org.virtiotrace.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.airlift.compress.zstd.ZstdCompressor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What trace.dat v7's chunks cost to make, one thread: a file of real ring-buffer pages (a
 * recording's {@code --raw} cpuN.raw) compressed chunk by chunk, through zstd-jni (the binding
 * virtio-trace uses) or aircompressor's pure-Java zstd, at a chunk size and level. One operation
 * compresses the whole file; divide the score by its MB for ms per MB. The compressed size is
 * printed once per trial, for the ratio.
 *
 * <pre>
 * RECORD_ARGS="--raw /tmp/pages --sync-probes 0" MODES=record bench/collector-bench.sh 1 5
 * java -jar bench/target/benchmarks.jar ZstdChunk -p pages=/tmp/pages/cpu0.raw -p binding=jni
 * java -jar bench/target/benchmarks.jar ZstdChunk -p pages=/tmp/pages/cpu0.raw -p binding=java -p level=3
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ZstdChunkBenchmark {
    /** The pages to compress (required: a file of whole ring-buffer pages). */
    @Param({""})
    String pages;

    @Param({"jni", "java"})
    String binding;

    @Param({"10", "64"})
    int chunkPages;

    @Param({"1", "3"})
    int level;

    private byte[] all;
    private ByteBuffer in;
    private ByteBuffer out;
    private byte[] outArray;
    private ZstdCompressCtx ctx;
    private ZstdCompressor java;
    private int chunk;
    private long lastSize;

    @Setup
    public void load() throws IOException {
        if (pages.isEmpty()) {
            throw new IllegalArgumentException("give the pages: -p pages=FILE (a recording's --raw cpuN.raw)");
        }
        all = Files.readAllBytes(Path.of(pages));
        chunk = chunkPages * 4096;
        in = ByteBuffer.allocateDirect(chunk);
        out = ByteBuffer.allocateDirect((int) Zstd.compressBound(chunk));
        ctx = new ZstdCompressCtx().setLevel(level).setContentSize(false).setChecksum(false);
        java = new ZstdCompressor();
        outArray = new byte[java.maxCompressedLength(chunk)];
        if (binding.equals("java") && level != 3) {
            throw new IllegalArgumentException("aircompressor's zstd has one level (3)");
        }
    }

    @Benchmark
    public long compressAll() {
        long size = 0;
        for (int off = 0; off < all.length; off += chunk) {
            int n = Math.min(chunk, all.length - off);
            if (binding.equals("jni")) {
                in.clear();
                in.put(all, off, n);
                size += ctx.compressDirectByteBuffer(out, 0, out.capacity(), in, 0, n) + 8;
            } else {
                size += java.compress(all, off, n, outArray, 0, outArray.length) + 8;
            }
        }
        lastSize = size;
        return size;
    }

    @TearDown
    public void say() {
        System.out.printf("%n%s, %d pages a chunk, level %d: %d bytes of pages -> %d (%.4fx), %.1f MB%n", binding,
                chunkPages, level, all.length, lastSize, lastSize / (double) all.length, all.length / 1e6);
        ctx.close();
    }
}
