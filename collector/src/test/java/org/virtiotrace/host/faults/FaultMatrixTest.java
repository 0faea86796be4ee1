package org.virtiotrace.host.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.link.PortLock;
import org.virtiotrace.host.testing.MatrixCell;
import org.virtiotrace.host.testing.MatrixCell.HostFault;
import org.virtiotrace.host.testing.MatrixCell.Spec;
import org.virtiotrace.host.testing.MatrixCell.When;
import org.virtiotrace.host.testing.MatrixScript;
import org.virtiotrace.host.testing.StandInGuest;
import org.virtiotrace.host.testing.StandInGuest.Fault;
import org.virtiotrace.testkit.TraceCmd;

/**
 * The host under faults, every phase x every fault, over FIFO pairs and over unix sockets: a
 * stand-in guest misbehaves (or the host is signalled, its disk filled, its output closed) and
 * record must end with the exit status docs/host.md gives for that cell ({@link FaultOutcomes}),
 * never 1; say what happened in one line, with no stack trace; leave a trace.dat of what arrived
 * that trace-cmd reads (or the documented reason there is none); leave nothing else behind: no
 * .part, no spool, no lock, no host trace instance.
 */
class FaultMatrixTest {
    /** Cells that share nothing run side by side: each is mostly waiting for its guest. */
    private static final int SIDE_BY_SIDE = 6;
    private static final double SECONDS = 1.0;
    private static final int ANSWER_TIMEOUT_MS = 1000;

    @TempDir
    static Path tmp;
    private static StandInGuest.Script script;
    private static ExecutorService pool;
    private static final ByteArrayOutputStream STRAY = new ByteArrayOutputStream();
    private static PrintStream realErr;

    @BeforeAll
    static void setUp() throws Exception {
        script = MatrixScript.record(tmp.resolve("script"));
        pool = Executors.newFixedThreadPool(SIDE_BY_SIDE);
        // whatever reaches System.err outside a cell's own writer (an uncaught exception's stack) is a failure
        realErr = System.err;
        System.setErr(new PrintStream(new Tee(realErr, STRAY), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void tearDown() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        System.setErr(realErr);
        String stray = STRAY.toString(StandardCharsets.UTF_8);
        assertFalse(stray.contains("\tat ") || stray.contains("Exception"), "a stack trace escaped: " + stray);
    }

    @TestFactory
    Stream<DynamicTest> every_phase_and_fault_ends_with_its_documented_outcome() {
        List<Spec> cells = FaultOutcomes.cells();
        List<Future<MatrixCell.Outcome>> runs = new ArrayList<>();
        int i = 0;
        for (Spec spec : cells) {
            Path work = tmp.resolve("cell" + i++);
            runs.add(pool.submit(() -> MatrixCell.run(work, spec, script, SECONDS, ANSWER_TIMEOUT_MS)));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (int c = 0; c < cells.size(); c++) {
            Spec spec = cells.get(c);
            Future<MatrixCell.Outcome> run = runs.get(c);
            Path work = tmp.resolve("cell" + c);
            tests.add(DynamicTest.dynamicTest(spec.toString(), () -> check(spec, run.get(3, TimeUnit.MINUTES), work)));
        }
        tests.add(DynamicTest.dynamicTest("no --host cell leaves a host trace instance", () -> {
            for (Future<MatrixCell.Outcome> run : runs) {
                run.get(3, TimeUnit.MINUTES);
            }
            try (Stream<Path> s = Files.list(TracefsLocator.find().resolve("instances"))) {
                assertEquals(List.of(), s.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("virtio-trace-host-")).toList());
            }
        }));
        return tests.stream();
    }

    private static void check(Spec spec, MatrixCell.Outcome o, Path work) throws Exception {
        FaultOutcomes.Expected want = FaultOutcomes.expected(spec);
        String said = "[" + spec + "] record said:\n" + o.stderr();
        assertTrue(o.exit() != Exit.SOFTWARE, "exit 1 is a bug in virtio-trace; " + said);
        assertEquals(want.exit(), o.exit(), "the exit status docs/host.md gives; " + said);
        assertFalse(o.stderr().contains("\tat ") || o.stderr().contains("Exception"), "a stack trace; " + said);
        List<String> errors = o.stderr().lines().filter(l -> l.contains("error:")).toList();
        assertTrue(errors.size() <= 1, "one error line; " + said);
        assertEquals(null, o.hostFaultProblem(), "the host's fault came where the cell says; " + said);
        if (o.exit() != Exit.OK) {
            assertTrue(o.stderr().lines().anyMatch(l -> l.contains(want.says())), "a line says '" + want.says()
                    + "'; " + said);
        }
        if (want.dat()) {
            TraceCmd.Run report = TraceCmd.report(o.dat());
            assertEquals(0, report.exit(), "trace-cmd report reads the trace.dat: " + report.err() + "; " + said);
            assertFalse(report.events().isEmpty(), "the trace.dat holds what arrived; " + said);
        } else {
            assertFalse(o.leftovers().contains(MatrixCell.DAT), "no trace.dat: " + want.says() + "; " + said);
        }
        for (String left : o.leftovers()) {
            boolean expected = left.equals(MatrixCell.DAT) || left.equals(MatrixCell.LOG)
                    || left.equals(MatrixCell.DAT + ".sync") || left.equals(MatrixCell.HOST_DAT)
                    || left.equals(MatrixCell.FILLER) || (want.raw() && left.equals(MatrixCell.DAT + ".raw"));
            if (!expected && !(want.spoolStays() && left.startsWith(".virtio-trace-"))) {
                fail("left behind: " + left + " (" + o.leftovers() + "); " + said);
            }
        }
        assertEquals(want.raw(), o.leftovers().contains(MatrixCell.DAT + ".raw"), "the raw streams are kept only "
                + "when no trace.dat can be made; " + said);
        try (PortLock again = PortLock.take(work.resolve("ports"), "test")) {
            // free: the cell's record let go of its ports
        }
        if (spec.hostTrace() && want.dat()) {
            assertTrue(o.leftovers().contains(MatrixCell.HOST_DAT), "--host's file is written beside; " + said);
        }
    }

    /** Both: the console, and the buffer the end of the run looks at. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
