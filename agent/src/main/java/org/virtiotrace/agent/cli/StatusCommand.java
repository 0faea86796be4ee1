package org.virtiotrace.agent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Ask the running agent, per CPU: where its pages go (straight to the port, or through memory because the "
                + "port is missing or stalled), bytes and pages sent, bytes that went to memory, the ring's fill and "
                + "size, what the ring overwrote, and the kernel's overrun count for that CPU.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:printed", "1:the agent refused the request", "2:invalid command line",
            "7:no agent answers on the socket (missing, stale, or permission denied)"})
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    SocketOption socket;

    @Override
    public Integer call() {
        return ClientCommand.printText(socket, "status");
    }
}
