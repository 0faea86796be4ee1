package org.virtiotrace.host.testing;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.virtiotrace.host.cli.Main;
import picocli.CommandLine;

/**
 * One cell of the host's fault matrix: {@code virtio-trace record} against a {@link StandInGuest}
 * that commits one fault at one phase, or with one fault on the host's side (a signal, a full
 * disk, an unwritable output) at one moment. Guest faults and file-system faults run in this
 * process (a cell costs no JVM start, and many run at once, each with its own picocli writers);
 * signals go to a record process of its own, as a user's Ctrl-C or systemd's stop would.
 * What it reports: the exit status, what record said, and what it left behind.
 */
public final class MatrixCell {
    /** What the host does, besides recording. */
    public enum HostFault { NONE, SIGINT, SIGTERM, SECOND_SIGINT, DISK_FULL, OUTPUT_UNWRITABLE }

    /** When the host's fault comes: as the guest reaches a phase, or while record writes its files. */
    public enum When {
        BEFORE_HANDSHAKE, IN_HANDSHAKE_REPLY, IN_META_REPLY, DATA_FLOWING, STOP_TAIL, IN_FINAL_UPDATE, WRITING_FILES;

        StandInGuest.Phase guestPhase() {
            return this == WRITING_FILES ? StandInGuest.Phase.IN_FINAL_UPDATE : StandInGuest.Phase.valueOf(name());
        }
    }

    /** What a cell is: the transport, the guest's fault (or none) and the host's, and when. */
    public record Spec(boolean sockets, When when, StandInGuest.Fault guestFault, HostFault hostFault,
                       boolean hostTrace) {
        @Override
        public String toString() {
            return (sockets ? "socket" : "fifo") + " " + when + " " + (guestFault != null ? "guest " + guestFault : "")
                    + (hostFault != HostFault.NONE ? "host " + hostFault : "") + (hostTrace ? " --host" : "");
        }

        boolean ownProcess() {
            return hostFault == HostFault.SIGINT || hostFault == HostFault.SIGTERM
                    || hostFault == HostFault.SECOND_SIGINT;
        }
    }

    /** What a cell left: exit status, record's stderr, the files in the output directory after it. */
    public record Outcome(int exit, String stderr, List<String> leftovers, Path out, String hostFaultProblem) {
        public Path dat() {
            return out.resolve(DAT);
        }
    }

    public static final String DAT = "guest.dat";
    public static final String LOG = "guest.vtlog";
    public static final String HOST_DAT = "host.dat";
    /** What the test puts in a full file system; not record's. */
    public static final String FILLER = Mounts.FILLER;

    private MatrixCell() {
    }

    /**
     * Runs one cell in {@code work} (the guest's ports in work/ports, the output in work/out, a
     * small tmpfs when the file system is the fault), recording {@code seconds}.
     */
    public static Outcome run(Path work, Spec spec, StandInGuest.Script script, double seconds, int answerTimeoutMs)
            throws Exception {
        Path ports = Files.createDirectories(work.resolve("ports"));
        Path out = work.resolve("out");
        boolean tmpfs = spec.hostFault() == HostFault.DISK_FULL || spec.hostFault() == HostFault.OUTPUT_UNWRITABLE;
        if (tmpfs) {
            Mounts.tmpfs(out, 64);
        } else {
            Files.createDirectories(out);
        }
        try {
            List<String> args = new ArrayList<>(List.of("record", (spec.sockets() ? "unix:" : "") + ports,
                    "-o", out.resolve(DAT).toString(), "--duration", Double.toString(seconds),
                    "--answer-timeout", Integer.toString(answerTimeoutMs), "--sync-interval", "0.3",
                    "--sync-probes", "3", "--no-progress", "--session", out.resolve(LOG).toString()));
            if (spec.hostTrace()) {
                args.addAll(List.of("--host", out.resolve(HOST_DAT).toString()));
            }
            int exit;
            String stderr;
            HostSide host = new HostSide(spec, out);
            try (StandInGuest guest = StandInGuest.start(ports, spec.sockets(), script, spec.when().guestPhase(),
                    spec.guestFault(), host)) {
                if (spec.ownProcess()) {
                    try (Proc p = Proc.virtioTrace(args.toArray(String[]::new))) {
                        host.signalling(p);
                        exit = p.waitFor(Duration.ofSeconds(90));
                        stderr = p.stderr();
                    }
                } else {
                    StringWriter err = new StringWriter();
                    CommandLine cl = Main.commandLine();
                    cl.setErr(new PrintWriter(err, true));
                    cl.setOut(new PrintWriter(new StringWriter(), true));
                    exit = cl.execute(args.toArray(String[]::new));
                    stderr = err.toString();
                }
            }
            if (spec.hostFault() == HostFault.OUTPUT_UNWRITABLE) {
                Mounts.writable(out);
            }
            List<String> left = listing(out);
            Path kept = out;
            if (tmpfs) {
                // the tmpfs goes with the cell: what record wrote is looked at in a copy
                kept = Files.createDirectories(work.resolve("out-kept"));
                for (String name : left) {
                    if (!name.equals(FILLER) && Files.isRegularFile(out.resolve(name))) {
                        Files.copy(out.resolve(name), kept.resolve(name));
                    }
                }
            }
            return new Outcome(exit, stderr, left, kept, host.problem());
        } finally {
            if (tmpfs) {
                Mounts.writable(out);
                Mounts.unmount(out);
            }
        }
    }

    /** The output directory's names, sorted (hidden ones too: a leftover spool is one). */
    static List<String> listing(Path out) throws IOException {
        List<String> left = new ArrayList<>();
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                s.map(p -> p.getFileName().toString()).sorted().forEach(left::add);
            }
        }
        return left;
    }
}
