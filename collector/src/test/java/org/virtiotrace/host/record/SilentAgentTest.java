package org.virtiotrace.host.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.tracefs.TracefsLocator;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * A guest agent that obeys 1 and 0 but never answers a request, as the kernel's C
 * trace-agent: played by a shell script that cats each CPU's trace_pipe_raw into its port
 * (holding the ports' write ends from the start, as QEMU does).
 */
class SilentAgentTest extends HostRigPerTest {



    /** The stand-in: on 1 each CPU's pages flow (or {@code feed} goes to cpu0), on 0 they stop. */
    private Proc silentAgent(Path feed) throws Exception {
        String cpuStreams = feed != null ? "cat '" + feed + "' >&3 & pids=$!"
                : "pids=; for c in $(seq 0 " + (rig.cpus - 1) + "); do eval \"exec $((c+3))<>$P/trace-path-cpu$c.out\"; "
                + "cat $I/per_cpu/cpu$c/trace_pipe_raw >&$((c+3)) & pids=\"$pids $!\"; done";
        String script = "P='" + rig.ports + "'; I='" + rig.instance.dir() + "'\n"
                + "exec 3<>$P/trace-path-cpu0.out; for c in $(seq 1 " + (rig.cpus - 1)
                + "); do eval \"exec $((c+3))<>$P/trace-path-cpu$c.out\"; done\n"
                + "exec 9<>$P/agent-ctl-path.in; echo ready: >&2\n"
                + "while read -r o <&9; do case $o in 1) " + cpuStreams + " ;; 0) kill $pids 2>/dev/null ;; esac; done\n";
        Proc p = rig.track(Proc.start(List.of("bash", "-c", script)));
        p.awaitStderr("ready:", Duration.ofSeconds(10));
        return p;
    }

    private Path exportMeta() throws Exception {
        Path meta = rig.work.resolve("meta");
        Proc e = rig.track(Proc.traceAgent(List.of("export-meta", meta.toString(), "--tracefs",
                TracefsLocator.DEFAULT_MOUNT.toString(), "--instance", rig.instance.name())));
        assertEquals(0, e.waitFor(Duration.ofSeconds(60)), e.stderr());
        return meta;
    }

    @Test
    void no_answer_keeps_the_raw_streams_and_says_in_one_line_how_to_get_a_trace_dat() throws Exception {
        silentAgent(null);
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2", "--answer-timeout", "1000");
        assertEquals(Exit.NO_METADATA, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertEquals(1, rec.stderr().lines().filter(l -> l.contains("trace-agent export-meta DIR")
                && l.contains("--meta DIR")).count(), rec.stderr());
        long bytes = Files.size(rig.work.resolve("vm.dat.raw/cpu0.raw"));
        assertTrue(bytes > 0 && bytes % rig.instance.tracefs().subBufferSize() == 0, "cpu0.raw: " + bytes);
        assertTrue(Files.notExists(dat));
    }

    @Test
    void exported_metadata_turns_a_silent_agents_streams_into_a_trace_dat() throws Exception {
        Path meta = exportMeta();
        silentAgent(null);
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2", "--answer-timeout", "1000",
                "--meta", meta.toString());
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().stream().anyMatch(l -> l.contains("vt-load ")), "markers decoded");
    }

    @Test
    void a_silent_agent_is_recorded_without_clock_alignment_said_once() throws Exception {
        Path meta = exportMeta();
        silentAgent(null);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2", "--answer-timeout", "1000",
                "--meta", meta.toString());
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        String err = rec.stderr();
        assertEquals(1, err.split("recording without alignment", -1).length - 1, err);
        assertTrue(!java.nio.file.Files.exists(dat.resolveSibling("vm.dat.sync")), "no clock-sync file");
        TraceCmd.Run opts = TraceCmd.run("dump", "--options", dat.toString());
        assertTrue(opts.out().stream().noneMatch(l -> l.contains("TimeShift")), "no TIME_SHIFT: " + opts.out());
    }

    @Test
    void a_torn_page_is_counted_refused_and_named_and_the_rest_kept() throws Exception {
        // a good stream first: recorded from the real agent with --raw
        Proc agent = rig.startAgent();
        rig.load(loading::get);
        Path raw = rig.work.resolve("raw");
        Proc good = rig.record("-o", rig.work.resolve("good.dat").toString(), "--duration", "1.5", "--raw",
                raw.toString());
        assertEquals(Exit.OK, good.waitFor(Duration.ofSeconds(60)), good.stderr());
        loading.set(false);
        agent.close();
        byte[] pages = Files.readAllBytes(raw.resolve("cpu0.raw"));
        int page = rig.instance.tracefs().subBufferSize();
        assertTrue(pages.length >= 8 * page, "need a few pages, got " + pages.length);
        // the same stream with 100 bytes of page 3 gone, as a port that lost part of a write
        byte[] torn = new byte[pages.length - 100];
        System.arraycopy(pages, 0, torn, 0, 3 * page + 500);
        System.arraycopy(pages, 3 * page + 600, torn, 3 * page + 500, pages.length - 3 * page - 600);
        Path feed = rig.work.resolve("torn.raw");
        Files.write(feed, torn);

        silentAgent(feed);
        Path dat = rig.work.resolve("torn.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "1", "--answer-timeout", "500", "--meta",
                raw.toString());
        assertEquals(Exit.INCOMPLETE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        // page 3 lost 100 bytes mid-page: it is refused (its events no longer fit its commit) or,
        // if they fit by chance, taken back when page 4 shows up 100 bytes early; page 4 is
        // found where it starts now and kept
        assertTrue(rec.stderr().matches("(?s).*cpu0: .* [12] torn pages refused \\(the first after page [34]: .*"),
                rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat, "--cpu", "0");
        assertEquals(0, r.exit(), r.err());
        var original = org.virtiotrace.core.page.PageStream.of(pages, page).pages();
        long kept = 0;
        for (int i = 0; i < original.size(); i++) {
            kept += i == 3 ? 0 : original.get(i).events();
        }
        assertEquals(kept, r.events().size(), "every event of every other page: " + rec.stderr() + r.err());
    }
}
