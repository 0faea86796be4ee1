package org.virtiotrace.host.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.virtiotrace.host.testing.MatrixCell.HostFault;
import org.virtiotrace.host.testing.MatrixCell.When;

/**
 * The host's fault in a {@link MatrixCell}, committed as the stand-in guest reaches the cell's
 * phase and before it goes on (so it lands there and nowhere else): a signal to the record
 * process, the output's file system filled or closed to new files. "While writing files":
 * signals when the trace.dat's {@code .part} appears; the file system as the final ?update
 * arrives, before record comes to write (filled all but 128 KiB, so the session log can end but
 * the trace.dat cannot be written; or closed to new files).
 */
final class HostSide implements Consumer<StandInGuest.Phase> {
    private static final long HEADROOM = 128 << 10;

    private final MatrixCell.Spec spec;
    private final Path out;
    private volatile Proc process;
    private volatile boolean committed;
    private volatile String failure;
    private Thread watcher;

    HostSide(MatrixCell.Spec spec, Path out) {
        this.spec = spec;
        this.out = out;
    }

    /** The record process the signals go to (set before the guest can reach a phase). */
    void signalling(Proc p) {
        this.process = p;
    }

    @Override
    public void accept(StandInGuest.Phase reached) {
        if (spec.hostFault() == HostFault.NONE || reached != spec.when().guestPhase()) {
            return;
        }
        if (spec.when() == When.WRITING_FILES && process != null) {
            watcher = new Thread(this::atPart, "host-fault");
            watcher.setDaemon(true);
            watcher.start();
            return;
        }
        commit();
    }

    /** Waits (closely: a small trace.dat takes milliseconds) for the trace.dat's .part, then commits. */
    private void atPart() {
        Path part = out.resolve(MatrixCell.DAT + ".part");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (process.isAlive() && System.nanoTime() < deadline) {
            if (Files.exists(part)) {
                commit();
                return;
            }
            Thread.onSpinWait();
        }
    }

    private void commit() {
        try {
            switch (spec.hostFault()) {
                case SIGINT -> process.signal("INT");
                case SIGTERM -> process.signal("TERM");
                case SECOND_SIGINT -> {
                    process.signal("INT");
                    Thread.sleep(30);
                    process.signal("INT");
                }
                case DISK_FULL -> Mounts.fill(out, spec.when() == When.WRITING_FILES ? HEADROOM : 0);
                case OUTPUT_UNWRITABLE -> Mounts.refuseNewFiles(out);
                default -> throw new IllegalStateException(spec.hostFault().toString());
            }
            committed = true;
        } catch (IOException | InterruptedException e) {
            failure = e.toString();
        }
    }

    /** The fault came (null), or why it did not. */
    String problem() throws InterruptedException {
        if (watcher != null) {
            watcher.join(5000);
        }
        return committed || spec.hostFault() == HostFault.NONE ? null
                : failure != null ? failure : "the recording never reached " + spec.when();
    }
}
