package org.virtiotrace.bench;

import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.Warmup;
import org.virtiotrace.core.ring.PageRing;

/**
 * Pages per second through one CPU's ring, on one core: what the agent can keep in
 * memory while a port is missing or stalled. The page comes from (and goes to) direct
 * memory, as in the agent, where it comes from the pump's pipe.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx64m", "-XX:MaxDirectMemorySize=1g"})
public class PageRingBenchmark {
    @Param({"4096"})
    int pageSize;

    @Param({"1048576", "67108864"})
    long ringSize;

    private PageRing ring;
    private ByteBuffer page;
    private ByteBuffer out;

    @Setup
    public void setup() {
        ring = new PageRing(ringSize, pageSize);
        page = ByteBuffer.allocateDirect(pageSize);
        out = ByteBuffer.allocateDirect(pageSize);
        for (int i = 0; i < pageSize; i++) {
            page.put(i, (byte) i);
        }
    }

    /** A full ring: every page written overwrites the oldest one (a port that never drains). */
    @Benchmark
    public int writeOverwriting() {
        return ring.write(page.clear());
    }

    /** Write a page, read it back: the backlog path while a port drains as fast as pages come. */
    @Benchmark
    public int writeThenRead() {
        ring.write(page.clear());
        return ring.read(out.clear());
    }
}
