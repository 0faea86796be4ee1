package org.virtiotrace.agent.cli;

import java.nio.file.Path;
import org.virtiotrace.agent.monitor.MonitorServer;
import picocli.CommandLine.Option;

/** The local socket's path, shared by the agent and the commands that talk to it. */
public final class SocketOption {
    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/trace-agent/agent.sock",
            description = "The agent's local socket for status, ringbuf-read and ringbuf-dump "
                    + "(default: ${DEFAULT-VALUE}; mode 0600, root and the agent's user only).")
    Path socket = MonitorServer.DEFAULT_SOCKET;

    Path path() {
        return socket;
    }
}
