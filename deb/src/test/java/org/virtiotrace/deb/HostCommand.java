package org.virtiotrace.deb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.virtiotrace.testkit.guest.QemuGuest;

/** The host's virtio-trace as users run it (the launcher this build made), its output kept in a directory. */
final class HostCommand {
    private HostCommand() {
    }

    /** What one run left. */
    record Run(int exit, String out, String err) {
    }

    /** The launcher; fails the test class when the collector was not built. */
    static Path launcher() {
        Path l = QemuGuest.repoRoot().resolve("collector/target/virtio-trace");
        assertTrue(Files.isExecutable(l), l + ": build the collector first (mvn verify)");
        return l;
    }

    /** Runs {@code virtio-trace ARGS} to its end (5 minutes at most), its out and err in {@code dir}. */
    static Run run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("virtio-trace " + args[0] + " did not end: " + Files.readString(dir.resolve("err")));
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }
}
