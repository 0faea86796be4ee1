package org.virtiotrace.host.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.RingBufferPage;
import org.virtiotrace.host.replay.RecordedSession;
import org.virtiotrace.host.session.LogReader;
import org.virtiotrace.host.session.LogRecord;
import org.virtiotrace.host.session.SessionEvent;
import org.virtiotrace.host.sync.CpuClocks;
import org.virtiotrace.host.sync.SyncFile;
import org.virtiotrace.host.sync.SyncSample;
import org.virtiotrace.testkit.TraceCmd;
import org.virtiotrace.testkit.guest.AgentSession;
import org.virtiotrace.testkit.guest.QemuGuest;

/**
 * Host and guest on one timeline with a real QEMU guest (TCG, 2 vCPUs, virtio-serial over
 * FIFOs, no marker load so that no event is lost), merged by the real trace-cmd. Alignment is judged by pairs of events that are
 * causally ordered across the boundary and seen independently of clock sync:
 * <ul>
 * <li>guest to host: every event of a page happened before the host's read of that page
 *     returned (the session log's time of the chunk that completed the page);</li>
 * <li>host to guest: the host's start order (its mark in the host file, written before the
 *     write) came before the first heartbeat of every CPU (written once the agent read it), and
 *     the agent's control thread reads each clock probe (syscalls:sys_exit_read) after the host
 *     wrote it and before the host read the reply.</li>
 * </ul>
 */
@Tag("guest")
class TimelineInGuestTest {
    private static final int CPUS = 2;
    private static final Pattern LINE = Pattern.compile(
            "^\\s*(host|guest)\\.dat:\\s*(.*?)-\\d+\\s+\\[(\\d{3})\\]\\s*(\\d+\\.\\d{9}): (.*)$");

    record Event(boolean host, String comm, int cpu, long time, String text) {
    }

    /** Where the guest's ring buffer lost events (trace-cmd's "EVENTS DROPPED"): the time of the event after. */
    private long lastLoss;

    private List<Event> merged(Path host, Path guest) throws Exception {
        TraceCmd.Run r = TraceCmd.run("report", "-t", "-i", host.toString(), "-i", guest.toString());
        assertEquals(0, r.exit(), r.err());
        List<Event> out = new ArrayList<>();
        boolean lossBefore = false;
        for (String l : r.out()) {
            if (l.contains("EVENTS DROPPED")) {
                lossBefore = true;
                continue;
            }
            Matcher m = LINE.matcher(l);
            if (m.find()) {
                String[] t = m.group(4).split("\\.");
                out.add(new Event(m.group(1).equals("host"), m.group(2), Integer.parseInt(m.group(3)),
                        Long.parseLong(t[0]) * 1_000_000_000L + Long.parseLong(t[1]), m.group(5)));
                if (lossBefore) {
                    lastLoss = Math.max(lastLoss, out.get(out.size() - 1).time());
                    lossBefore = false;
                }
            }
        }
        return out;
    }

    @Test
    void causally_ordered_pairs_across_host_and_guest_stay_in_order_after_the_merge() throws Exception {
        try (QemuGuest g = QemuGuest.busybox(Path.of("target/guest-timeline").toAbsolutePath(), CPUS, false)) {
            AgentSession a = g.startAgent("timeline", Map.of("EVENTS", "sched syscalls/sys_exit_read",
                    "STEP_CLOCK_AFTER", "2", "LOAD", "0"));
            Path guest = a.dir().resolve("guest.dat");
            Path host = a.dir().resolve("host.dat");
            Path log = a.dir().resolve("session.vtlog");
            CollectorRun.Result r = CollectorRun.run(a.dir(), "record", g.fifoDir().toString(), "-o", guest.toString(),
                    "--host", host.toString(), "--host-events", "sched/sched_switch", "--session", log.toString(),
                    "--raw", a.dir().resolve("raw").toString(), "--duration", "5", "--no-progress");
            assertEquals(0, a.stop(), a.all());
            assertEquals(0, r.exit(), "virtio-trace record\n" + r.stderr() + a.all());
            assertTrue(r.stderr().matches("(?s).*guest \\S+: vCPU threads \\[\\d+, \\d+\\].*"),
                    "the host file names the guest's vCPU threads (QEMU holds the FIFOs)\n" + r.stderr());
            List<SyncSample> samples = SyncFile.read(SyncFile.beside(guest)).samples();
            long bound = samples.stream().mapToLong(SyncSample::bound).max().orElseThrow();
            List<Event> events = merged(host, guest);
            StringBuilder said = new StringBuilder("\n" + r.stderr());

            // guest -> host: each page's last event before the host had the page
            List<Long> margins = new ArrayList<>();
            for (int cpu = 0; cpu < CPUS; cpu++) {
                Map<Long, Long> shifted = shiftedTimes(guest, cpu);
                List<long[]> chunks = chunks(log, cpu); // {end offset, host time}
                int k = 0;
                for (long[] p : pagesOf(a.dir().resolve("raw/cpu" + cpu + ".raw"))) { // {last event's time, end}
                    while (k < chunks.size() && chunks.get(k)[0] < p[1]) {
                        k++;
                    }
                    Long last = shifted.get(p[0]);
                    if (p[0] < 0 || k == chunks.size()) {
                        continue;
                    }
                    assertTrue(last != null, "cpu" + cpu + ": the page's last event (" + p[0] + ") is in the report");
                    long margin = chunks.get(k)[1] - last;
                    margins.add(margin);
                    assertTrue(margin > 0, "cpu" + cpu + ": an event at " + last + " after the host read its page at "
                            + chunks.get(k)[1] + " (bound " + bound + ")" + said);
                }
            }
            assertTrue(margins.size() >= 10, "pages checked: " + margins.size());

            // host -> guest: the start order before every CPU's first heartbeat
            long start = events.stream().filter(e -> e.host() && e.text().contains("agent-ctl-path <- 1"))
                    .mapToLong(Event::time).findFirst().orElseThrow();
            for (int cpu = 0; cpu < CPUS; cpu++) {
                int c = cpu;
                long first = events.stream().filter(e -> !e.host() && e.cpu() == c && e.text().contains("raw_data:")
                        && e.text().contains("56544842")).mapToLong(Event::time).findFirst().orElseThrow();
                assertTrue(start < first, "cpu" + cpu + "'s first heartbeat " + first + " before the start order "
                        + start + said);
            }

            // host -> guest: the control thread reads each probe inside its round trip, after the write
            long stop = events.stream().filter(e -> e.host() && e.text().contains("agent-ctl-path <- 0"))
                    .mapToLong(Event::time).findFirst().orElseThrow();
            RecordedSession s = RecordedSession.read(log);
            // host write (its mark) -> the read of its reply (an order has none: until the next write)
            TreeMap<Long, Long> windows = new TreeMap<>();
            Pattern write = Pattern.compile("agent-ctl-path <- (\\?clock/(\\d+))?");
            for (Event e : events) {
                Matcher m = write.matcher(e.text());
                if (e.host() && m.find()) {
                    windows.put(e.time(), m.group(2) == null ? Long.MAX_VALUE
                            : s.replyTime(Long.parseLong(m.group(2))));
                }
            }
            List<Long> reads = events.stream().filter(e -> !e.host() && e.text().matches("sys_exit_read:\\s+0x[1-9a-f].*")
                    && e.comm().equals("control")).map(Event::time).toList();
            int probes = 0;
            int woken = 0;
            for (var w : windows.entrySet()) {
                if (w.getValue() == Long.MAX_VALUE || w.getValue() <= 0 || w.getKey() <= Math.max(lastLoss, start)
                        || w.getKey() >= stop) {
                    continue; // an order, a probe while the guest's events are not sent, or where they were lost
                }
                probes++;
                // the control thread's read of the probe: after the host's write, before the host had the reply
                if (reads.stream().anyMatch(t -> t > w.getKey() && t < w.getValue())) {
                    woken++;
                } else {
                    fail("probe written at " + w.getKey() + " (host) and answered by " + w.getValue()
                            + ": the guest's control thread read nothing in between; its reads nearby: " + reads.stream()
                            .filter(t -> Math.abs(t - w.getKey()) < 20_000_000).toList() + said);
                }
            }
            assertTrue(probes >= 30, "probes: " + probes);

            // the guest's wall clock stepped 5 s: said once, the trace times unaffected
            assertTrue(Files.exists(a.dir().resolve("clock-stepped")), "the guest stepped its clock" + a.all());
            assertTrue(r.stderr().matches("(?s).*the wall clocks moved -[345][0-9]{3}\\.[0-9]{3} ms.*"),
                    "the 5 s step is reported" + said);
            assertEquals(1, r.stderr().split("the wall clocks moved", -1).length - 1, "one step, said once" + said);
            // each vCPU's clock from its heartbeats: global is one clock, so they agree within the bound
            SyncFile.Contents sync = SyncFile.read(SyncFile.beside(guest));
            assertEquals(CPUS, sync.cpuClocks().size(), "every vCPU measured" + said);
            assertTrue(!sync.cpuClocksApplied(), "global: a check only" + said);
            for (CpuClocks.CpuClock c : sync.cpuClocks()) {
                assertTrue(Math.abs(c.offsetNs()) <= bound, c + " within the bound " + bound + said);
            }
            long[] sorted = margins.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("timeline in a TCG guest: %d samples, bound median %d us max %d us; %d pages and %d "
                            + "of %d probes read by the guest inside their round trip, smallest page margin %d us; "
                            + "vCPU clocks from heartbeats %s%n",
                    samples.size(), samples.stream().mapToLong(SyncSample::bound).sorted().toArray()[samples.size() / 2]
                            / 1000, bound / 1000, margins.size(), woken, probes, sorted[0] / 1000, sync.cpuClocks());
        }
    }

    /** Each page of a CPU's stream: {its last event's time in the guest's clock (-1: none), offset of its end}. */
    private static List<long[]> pagesOf(Path raw) throws Exception {
        byte[] b = Files.readAllBytes(raw);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        List<long[]> out = new ArrayList<>();
        for (int off = 0; off + QemuGuest.PAGE <= b.length; off += QemuGuest.PAGE) {
            RingBufferPage page = RingBufferPage.parse(buf, off, PageFormat.local(QemuGuest.PAGE));
            out.add(new long[] {page.events() == 0 ? -1 : page.endTimestamp(), off + QemuGuest.PAGE});
        }
        return out;
    }

    /** A CPU's events as trace-cmd reads the guest file: the guest's own time to the shifted (host) time. */
    private static Map<Long, Long> shiftedTimes(Path guest, int cpu) throws Exception {
        List<Long> raw = times(TraceCmd.report(guest, "--cpu", Integer.toString(cpu), "--raw-ts"));
        List<Long> host = times(TraceCmd.report(guest, "--cpu", Integer.toString(cpu), "-t"));
        assertEquals(raw.size(), host.size(), "cpu" + cpu + ": the two reports list the same events");
        Map<Long, Long> m = new java.util.HashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            m.put(raw.get(i), host.get(i));
        }
        return m;
    }

    private static final Pattern TIME = Pattern.compile("\\[\\d{3}\\]\\s*(\\d+)(?:\\.(\\d{9}))?:");

    private static List<Long> times(TraceCmd.Run r) {
        assertEquals(0, r.exit(), r.err());
        List<Long> out = new ArrayList<>();
        for (String l : r.out()) {
            Matcher m = TIME.matcher(l);
            if (m.find()) {
                out.add(m.group(2) == null ? Long.parseLong(m.group(1))
                        : Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2)));
            }
        }
        return out;
    }

    /** Each data chunk the host read from a CPU's port: {stream offset of its end, host time}. */
    private static List<long[]> chunks(Path log, int cpu) throws Exception {
        List<long[]> out = new ArrayList<>();
        long at = 0;
        try (LogReader r = LogReader.openSkippingData(log)) {
            for (var o = r.next(); o.isPresent(); o = r.next()) {
                LogRecord rec = o.get();
                if (rec.is(SessionEvent.DATA) && rec.u64(0) == cpu) {
                    at += rec.size(1);
                    out.add(new long[] {at, rec.timestamp()});
                }
            }
        }
        return out;
    }
}
