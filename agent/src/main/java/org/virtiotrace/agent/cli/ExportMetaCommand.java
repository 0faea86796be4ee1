package org.virtiotrace.agent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.agent.ExitCodes;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.tracefs.Tracefs;
import org.virtiotrace.core.tracefs.TracefsException;
import org.virtiotrace.core.tracefs.TracefsLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export-meta", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Write what a host needs to decode this guest's trace into DIR: the files the agent sends when the host "
                + "asks (?meta): events/header_page, events/header_event, every events/*/*/format, printk_formats, "
                + "saved_cmdlines, saved_tgids, trace_clock, per_cpu/cpuN/stats, /proc/kallsyms as kallsyms, and "
                + "virtio-trace.info (the handshake). For a guest whose agent cannot answer (the C trace-agent): copy "
                + "DIR to the host and pass it to 'virtio-trace record --meta DIR', or to 'trace-cmd restore -t DIR "
                + "-k DIR/kallsyms'.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "1:DIR could not be written", "2:invalid command line",
            "3:tracefs missing or unusable"})
public final class ExportMetaCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Directory to write (created if missing).")
    Path dir;

    @Option(names = "--tracefs", paramLabel = "DIR", description = "tracefs mount (default: found as the agent finds it).")
    Path tracefs;

    @Option(names = "--instance", paramLabel = "NAME", description = "The trace instance the agent traces, if any.")
    String instance;

    @Option(names = "--cpus", paramLabel = "LIST", converter = CpuListConverter.class,
            description = "CPUs whose stats to include (default: the online ones).")
    CpuList cpus;

    @Override
    public Integer call() {
        Tracefs t;
        CpuList list;
        int subBuffer;
        try {
            t = TracefsLocator.locate(tracefs, instance);
            list = cpus != null ? cpus : CpuList.online();
            subBuffer = t.subBufferSize();
        } catch (TracefsException e) {
            System.err.println("trace-agent: error: " + e.getMessage());
            return ExitCodes.TRACEFS;
        } catch (IOException e) {
            System.err.println("trace-agent: error: cannot read the trace setup: " + e.getMessage());
            return ExitCodes.TRACEFS;
        }
        try {
            FileSet set = new TraceMetadata(t, list, subBuffer).meta();
            Files.createDirectories(dir);
            set.writeTo(dir);
            System.err.printf("trace-agent: wrote %d files (%d KiB) to %s%n", set.files().size(),
                    set.totalBytes() >> 10, dir);
            return ExitCodes.OK;
        } catch (IOException e) {
            System.err.println("trace-agent: error: " + dir + ": " + e.getMessage());
            return ExitCodes.SOFTWARE;
        }
    }
}
