package org.virtiotrace.host.kernelshark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRig;
import org.virtiotrace.host.testing.Proc;

/**
 * KernelShark (Debian's 2.2.1) opens a file virtio-trace recorded: under a private Xvfb, the
 * main window comes up titled with the file, no error dialog, the process alive after the
 * load, and a screenshot is kept (target/kernelshark/NAME.png) for a person to look at; the
 * default trace.dat (version 6) and version 7 with zstd.
 */
class KernelSharkTest {
    static final Path SCRIPT = Path.of("src/test/kernelshark/open-in-kernelshark.sh").toAbsolutePath();

    @Test
    void kernelshark_opens_a_recorded_trace_dat_without_an_error() throws Exception {
        opens("recorded");
    }

    @Test
    void kernelshark_opens_a_compressed_version_7_trace_dat_without_an_error() throws Exception {
        opens("recorded-v7-zstd", "--compress", "zstd");
    }

    /** Records 2 s under load with {@code more} record options into target/kernelshark/NAME.dat and opens it. */
    private static void opens(String name, String... more) throws Exception {
        Path shots = Path.of("target/kernelshark").toAbsolutePath();
        Files.createDirectories(shots);
        AtomicBoolean loading = new AtomicBoolean(true);
        try (HostRig rig = HostRig.create()) {
            rig.startAgent();
            rig.load(loading::get);
            Path dat = shots.resolve(name + ".dat");
            List<String> args = new java.util.ArrayList<>(List.of("-o", dat.toString(), "--duration", "2"));
            args.addAll(List.of(more));
            Proc rec = rig.record(args.toArray(String[]::new));
            assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
            loading.set(false);
            Path png = shots.resolve(name + ".png");
            Proc ks = Proc.start(List.of("bash", SCRIPT.toString(), dat.toString(), png.toString()));
            assertEquals(0, ks.waitFor(Duration.ofSeconds(120)), ks.stderr());
            assertTrue(Files.size(png) > 10_000, "a screenshot of the loaded trace: " + Files.size(png) + " bytes");
        } finally {
            loading.set(false);
        }
    }
}
