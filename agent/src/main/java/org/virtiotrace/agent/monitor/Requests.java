package org.virtiotrace.agent.monitor;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * What the local socket can ask of the running agent: the in-guest counterpart of
 * QEMU's QMP ringbuf-read, plus a dump and a status report.
 */
public interface Requests {
    /** Consumes up to {@code dst.remaining()} of the oldest bytes of cpu's ring into dst. */
    void ringbufRead(int cpu, ByteBuffer dst) throws MonitorException;

    /** Writes every ring to DIR/cpuN.raw atomically, consuming nothing; a line per file. */
    String ringbufDump(Path dir) throws MonitorException;

    /** The per-CPU report of `trace-agent status`. */
    String status();
}
