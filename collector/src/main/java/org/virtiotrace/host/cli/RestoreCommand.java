package org.virtiotrace.host.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.restore.Restore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "restore",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        header = "Make a trace.dat from what a recording left in a directory.",
        description = {
            "DIR is 'record --raw DIR', or the FILE.raw that record keeps when the trace.dat cannot be written (a "
                + "full disk): the guest's metadata files and each CPU's pages, cpuN.raw as the port gave them or "
                + "cpuN.zst compressed as they came (record --compress zstd), each with its --max-size older half "
                + "(.old) first. One step, where trace-cmd restore takes two and reads raw pages only. The clock-sync "
                + "alignment is not brought back.",
            "",
            "  virtio-trace restore vm1.dat.raw -o vm1.dat",
        })
final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The directory the recording left.")
    Path dir;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The trace.dat to write.")
    Path output;

    @Mixin
    FileFormatOptions fileFormat;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            Restore.run(dir, output, fileFormat.format()).forEach(l -> err.println("virtio-trace: " + l));
            return 0;
        } catch (ExitException e) {
            err.println("virtio-trace: error: " + e.getMessage());
            return e.exit();
        }
    }
}
