package org.virtiotrace.agent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "ringbuf-dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Make the running agent write every CPU's ring to DIR/cpuN.raw without consuming it (SIGUSR1 does the "
                + "same into --dump-dir). Each file is replaced atomically (temporary file, then rename) and holds "
                + "whole ring-buffer pages, oldest first, as trace_pipe_raw gives them.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "1:the agent could not write (the line says why)", "2:invalid command line",
            "7:no agent answers on the socket (missing, stale, or permission denied)"})
public final class RingbufDumpCommand implements Callable<Integer> {
    @Mixin
    SocketOption socket;

    @Parameters(paramLabel = "DIR", description = "Directory for cpuN.raw (created if missing; the agent writes it).")
    Path dir;

    @Override
    public Integer call() {
        return ClientCommand.printText(socket, "ringbuf-dump " + dir.toAbsolutePath());
    }
}
