package org.virtiotrace.agent;

import java.nio.file.Path;
import org.virtiotrace.agent.heartbeat.HeartbeatConfig;
import org.virtiotrace.agent.session.HostConfigPolicy;
import org.virtiotrace.core.cpu.CpuList;

/**
 * Everything the agent needs to start, as the command line gave it.
 *
 * @param toStdout       -o: all CPUs to standard output instead of ports
 * @param pipeSize       bytes of pipe between trace_pipe_raw and the port
 * @param tracefs        tracefs mount, or null to find it
 * @param instance       trace instance name, or null for the top-level buffer
 * @param cpus           CPUs to trace, or null for the online ones
 * @param portDir        where the ports' names live
 * @param portName       String.format pattern of a CPU's port name
 * @param ctlPort        control port name, or a path
 * @param pageLatencyMs  longest time a completed page may wait in the kernel
 * @param memoryOnly     --sink memory: every CPU's pages go to its ring, no trace port is used
 * @param ringSize       bytes of ring per CPU (checked against the sub-buffer size at start)
 * @param stallTimeoutMs how long a port may accept nothing before pages go to the ring
 * @param socket         the local socket for status/ringbuf-read/ringbuf-dump, or null for none
 * @param dumpDir        where SIGUSR1 dumps the rings
 * @param heartbeat      the heartbeat in the streams and the log
 * @param hostConfig     what the host may choose to trace (--host-config)
 */
public record AgentConfig(boolean toStdout, int pipeSize, Path tracefs, String instance, CpuList cpus,
                          Path portDir, String portName, String ctlPort, int pageLatencyMs, boolean memoryOnly,
                          long ringSize, int stallTimeoutMs, Path socket, Path dumpDir, HeartbeatConfig heartbeat,
                          HostConfigPolicy hostConfig) {
    public static final int DEFAULT_PAGE_LATENCY_MS = 100;
    public static final int DEFAULT_STALL_TIMEOUT_MS = 500;
    public static final Path DEFAULT_DUMP_DIR = Path.of("/var/lib/trace-agent");

    /** With the default heartbeat, the host free to choose what is traced. */
    public AgentConfig(boolean toStdout, int pipeSize, Path tracefs, String instance, CpuList cpus, Path portDir,
                       String portName, String ctlPort, int pageLatencyMs, boolean memoryOnly, long ringSize,
                       int stallTimeoutMs, Path socket, Path dumpDir) {
        this(toStdout, pipeSize, tracefs, instance, cpus, portDir, portName, ctlPort, pageLatencyMs, memoryOnly,
                ringSize, stallTimeoutMs, socket, dumpDir, HeartbeatConfig.DEFAULT, HostConfigPolicy.ALL);
    }
}
