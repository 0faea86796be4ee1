package org.virtiotrace.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.sync.SyncFile;
import org.virtiotrace.host.sync.SyncReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sync-report",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "How well a recording's clocks were aligned: samples, round trips, error bound, drift.",
        description = {
            "Reads FILE.sync, which 'record' writes beside the guest trace.dat FILE (docs/clock-sync.md), and prints "
                + "what clock sync achieved: samples, probes per sample, the error bound of each sample (half the "
                + "fastest round trip's travelling time: the true offset lies within it whatever the two directions' "
                + "delays were), the drift of the guest's trace clock in ppm, the wall clocks, and gaps. --samples "
                + "lists every sample.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:printed", "2:no FILE.sync, or not one"})
final class SyncReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The guest trace.dat (or its .sync file).")
    Path file;

    @Option(names = "--samples", description = "Also one line per sample.")
    boolean samples;

    @Override
    public Integer call() {
        Path sync = file.getFileName().toString().endsWith(".sync") ? file : SyncFile.beside(file);
        if (!Files.exists(sync)) {
            System.err.println("virtio-trace: error: " + sync + ": no such file: 'record' writes it beside the trace.dat "
                    + "when clock sync ran (not with --sync-probes 0, nor with an agent that does not answer ?clock)");
            return Exit.USAGE;
        }
        try {
            SyncFile.Contents c = SyncFile.read(sync);
            long gaps = c.notes().stream().filter(n -> n.startsWith("clock sync resumed")).count();
            SyncReport.summary(c.guestClock(), c.method(), c.samples(), (int) gaps, c.notes(), c.cpuClocks(),
                            c.cpuClocksApplied())
                    .forEach(System.out::println);
            if (samples) {
                SyncReport.table(c.samples()).forEach(System.out::println);
            }
            return Exit.OK;
        } catch (IOException e) {
            System.err.println("virtio-trace: error: " + e.getMessage());
            return Exit.USAGE;
        }
    }
}
