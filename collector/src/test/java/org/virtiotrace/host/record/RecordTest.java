package org.virtiotrace.host.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRigPerTest;
import org.virtiotrace.host.testing.Proc;
import org.virtiotrace.testkit.TraceCmd;

/**
 * virtio-trace record against the agent on this machine: the real tracefs (a private
 * instance), the FIFO pairs QEMU's pipe chardev would use, both programs as processes.
 */
class RecordTest extends HostRigPerTest {



    @Test
    void record_writes_a_trace_dat_with_every_event_the_kernel_handed_out() throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2", "--raw", rig.work.resolve("raw").toString());
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        loading.set(false);
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertEquals(rig.readEvents(), r.events().size(), "events decoded vs the kernel's read events; report began: "
                + r.out().subList(0, Math.min(4, r.out().size())) + ", stderr: " + r.err());
        assertTrue(r.out().stream().anyMatch(l -> l.contains("vt-load ")), "markers decoded");
        assertTrue(Files.size(rig.work.resolve("raw/kallsyms")) > 0, "--raw keeps the metadata");
        assertTrue(Files.exists(rig.work.resolve("raw/cpu0.raw")), "--raw keeps the streams");
        assertTrue(rec.stderr().contains("metadata in"), rec.stderr());
    }

    @Test
    void events_the_guest_lost_before_the_start_are_told_apart_from_the_recordings() throws Exception {
        rig.startAgent();
        // the guest's buffer (1 MiB a CPU) overflows while the agent waits for orders: ~4 MB of markers
        String pad = "x".repeat(90);
        for (int i = 0; i < 40_000; i++) {
            rig.instance.mark("vt-early " + i + " " + pad);
        }
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "2");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(\\d+) events lost in the guest \\((\\d+) more before the start").matcher(rec.stderr());
        assertTrue(m.find(), "the losses before the start are said apart: " + rec.stderr());
        // the start finds the buffer full: the first few events written after it (the clock sync's
        // markers, the heartbeats) overwrite a few more old ones before the reader has caught up
        long during = Long.parseLong(m.group(1));
        long before = Long.parseLong(m.group(2));
        assertTrue(before > 10_000 && during < before / 10, "the overflow is counted before the start: "
                + rec.stderr());
    }

    @Test
    void missing_ports_are_named_with_the_command_that_makes_them() throws Exception {
        Proc rec = rig.track(Proc.virtioTrace("record", rig.work.resolve("nothing-here").toString(), "-o",
                rig.work.resolve("x.dat").toString()));
        assertEquals(Exit.NO_GUEST, rec.waitFor(Duration.ofSeconds(30)));
        assertTrue(rec.stderr().contains("agent-ctl-path.out: No such file or directory [ENOENT]")
                && rec.stderr().contains("virtio-trace setup --cpus"), rec.stderr());
        assertEquals(1, rec.stderr().lines().count(), rec.stderr());
    }

    @Test
    void ports_with_no_guest_behind_them_are_named() throws Exception {
        Proc rec = rig.record("-o", rig.work.resolve("x.dat").toString());
        assertEquals(Exit.NO_GUEST, rec.waitFor(Duration.ofSeconds(30)));
        assertTrue(rec.stderr().contains("agent-ctl-path.in") && rec.stderr().contains("is the guest running?"),
                rec.stderr());
        assertTrue(Files.notExists(rig.work.resolve("x.dat")));
    }

    @Test
    void a_second_collector_on_the_same_ports_is_refused() throws Exception {
        rig.startAgent();
        Proc first = rig.record("-o", rig.work.resolve("a.dat").toString(), "--duration", "4");
        Thread.sleep(1500);
        Proc second = rig.record("-o", rig.work.resolve("b.dat").toString(), "--duration", "1");
        assertEquals(Exit.BUSY, second.waitFor(Duration.ofSeconds(30)), second.stderr());
        assertTrue(second.stderr().contains("another virtio-trace (pid"), second.stderr());
        assertEquals(Exit.OK, first.waitFor(Duration.ofSeconds(60)), first.stderr());
    }

    @Test
    void the_agent_killed_midway_still_gives_a_file_trace_cmd_reads() throws Exception {
        Proc agent = rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString(), "--duration", "4");
        Thread.sleep(2000);
        agent.signal("KILL");
        assertEquals(Exit.INCOMPLETE, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        assertTrue(rec.stderr().contains("ended early"), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.events().size() > 0, "the pages that arrived are there; report began: "
                + r.out().subList(0, Math.min(4, r.out().size())) + ", stderr: " + r.err() + "; " + rec.stderr());
    }

    @Test
    void ctrl_c_stops_the_recording_and_a_second_one_exits_at_once() throws Exception {
        rig.startAgent();
        rig.load(loading::get);
        Path dat = rig.work.resolve("vm.dat");
        Proc rec = rig.record("-o", dat.toString());
        Thread.sleep(2500);
        rec.signal("INT");
        rec.signal("INT");
        long t0 = System.nanoTime();
        // the tail was not awaited: what was on its way may be missing, and the exit status says so
        assertEquals(Exit.INCOMPLETE, rec.waitFor(Duration.ofSeconds(30)), rec.stderr());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, "exited " + ms + " ms after the second Ctrl-C");
        assertTrue(rec.stderr().contains("cut the wait for the ports' tail"), rec.stderr());
        TraceCmd.Run r = TraceCmd.report(dat);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.events().size() > 0);
    }

    @Test
    void a_session_log_that_fills_its_disk_stops_and_the_trace_dat_is_still_whole() throws Exception {
        Path small = rig.work.resolve("small");
        Files.createDirectories(small);
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", small.toString())
                .inheritIO().start().waitFor());
        try {
            rig.startAgent();
            rig.load(loading::get);
            Path dat = rig.work.resolve("vm.dat");
            Proc rec = rig.record("-o", dat.toString(), "--duration", "4", "--session",
                    small.resolve("vm.vtlog").toString());
            Thread.sleep(2000); // data is flowing into the log: now the disk fills up
            new ProcessBuilder("dd", "if=/dev/zero", "of=" + small.resolve("filler"), "bs=1M")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
            loading.set(false);
            assertTrue(rec.stderr().contains("warning: session log: " + small.resolve("vm.vtlog"))
                    && rec.stderr().contains("the recording goes on without it"), rec.stderr());
            TraceCmd.Run r = TraceCmd.report(dat);
            assertEquals(0, r.exit(), r.err());
            assertEquals(rig.readEvents(), r.events().size(), "the pages the log could not take are in the spool");
            Proc d = rig.track(Proc.virtioTrace("dump", small.resolve("vm.vtlog").toString()));
            // whole records up to where the disk filled, and no end record: the log did not finish (8)
            assertEquals(Exit.INCOMPLETE, d.waitFor(Duration.ofSeconds(30)), d.stdout());
            assertTrue(d.stdout().contains("no end record"), d.stdout());
            assertTrue(d.stdout().contains(" vt_data cpu="), "the log filled while data came (the pages it took "
                    + "stay there, the rest went to the spool), not before: " + d.stdout());
        } finally {
            new ProcessBuilder("umount", "-l", small.toString()).inheritIO().start().waitFor();
        }
    }
}
