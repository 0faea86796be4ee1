package org.virtiotrace.agent.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "ringbuf-read", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Print the oldest data of a CPU's ring in the running agent and consume it, like QMP's ringbuf-read. "
                + "Whole rings are raw ring-buffer pages, the format of trace_pipe_raw: "
                + "`trace-agent ringbuf-read --cpu 0 > cpu0.raw`.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:printed what the ring held (possibly nothing)",
            "1:the agent refused (e.g. cpuN is not a ringbuf device)", "2:invalid command line",
            "7:no agent answers on the socket (missing, stale, or permission denied)"})
public final class RingbufReadCommand implements Callable<Integer> {
    public enum Format { raw, base64 }

    @Spec
    CommandSpec spec;

    @Mixin
    SocketOption socket;

    @Option(names = "--cpu", required = true, paramLabel = "N", description = "The CPU whose ring to read.")
    int cpu;

    @Option(names = "--size", paramLabel = "BYTES", description = "At most this many bytes (default: all the ring holds).")
    Long size;

    @Option(names = "--format", defaultValue = "raw", paramLabel = "raw|base64",
            description = "raw bytes, or base64 text for a terminal (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() throws IOException {
        if (size != null && size <= 0) {
            throw new ParameterException(spec.commandLine(), "size must be greater than zero");
        }
        long want = size == null ? Long.MAX_VALUE : size;
        OutputStream out = format == Format.raw ? System.out : Base64.getMimeEncoder().wrap(new FilterOutputStream(System.out) {
            @Override
            public void close() throws IOException {
                flush(); // the encoder's close must not close stdout
            }
        });
        int[] exit = {0};
        long got = 0;
        // The agent answers at most a chunk at a time (its heap stays small); ask until done or empty.
        while (got < want) {
            byte[] chunk = ClientCommand.ask(socket, "ringbuf-read " + cpu + " " + (want - got), exit);
            if (chunk == null) {
                return exit[0];
            }
            if (chunk.length == 0) {
                break;
            }
            out.write(chunk);
            got += chunk.length;
        }
        if (format == Format.base64) {
            out.close(); // writes the encoder's last block
            System.out.write("\n".getBytes(StandardCharsets.US_ASCII));
        }
        System.out.flush();
        return 0;
    }
}
