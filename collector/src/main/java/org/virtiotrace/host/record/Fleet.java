package org.virtiotrace.host.record;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.ExitException;
import org.virtiotrace.host.link.PortLayout;

/**
 * {@code virtio-trace record TARGET TARGET...}: several guests in one process. Each guest is a
 * {@link Recorder} of its own on a thread of its own (its handshake, ports, files and summary),
 * so a guest that fails or goes away ends its own file while the others go on; what they share
 * is the stop (one Ctrl-C stops them all) and, with --host, one host trace begun before the first
 * guest's start order, ended after the last guest's tail, and written naming every guest.
 */
public final class Fleet {
    private final List<RecordOptions> guests;
    private final Native nat;
    private final StopRequest stop = new StopRequest();
    private final FleetProgress progress;
    /** The guests write their files one at a time (see {@link Recorder}). */
    private final Object writing = new Object();
    private Consumer<String> notice = line -> System.err.println("virtio-trace: " + line);

    /** @param guests one recording's options per guest; the first one's --host settings are the fleet's */
    /** @param progress draw the live line (stderr is a terminal) */
    public Fleet(List<RecordOptions> guests, Native nat, boolean progress) {
        this.guests = List.copyOf(guests);
        this.nat = nat;
        this.progress = new FleetProgress(progress);
    }

    /** The name a guest goes by (its NAME.dat, its GUEST option in the host file): its port directory's. */
    public static String guestName(PortLayout ports) {
        return HostRecording.name(ports);
    }

    /** Where a line the user should see while recording goes, each prefixed with its guest's name. */
    public Fleet notices(Consumer<String> to) {
        this.notice = to;
        return this;
    }

    /** SIGINT/SIGTERM: stops every guest; a second skips the waits that remain. Any thread. */
    public void interrupt() {
        stop.interrupt();
    }

    /**
     * Records every guest until the stop (or each one's --duration, or its end); returns one
     * summary: each guest's lines under its name, then the host file's. The exit status is the
     * first guest's error if any failed, else 8 if any ended incomplete, else 0.
     */
    public Summary run() throws ExitException, InterruptedException {
        List<Summary> each = new ArrayList<>();
        List<String> hostLines = new ArrayList<>();
        try (HostRecording host = HostRecording.prepare(guests.get(0), nat, true)) {
            try {
                host.beginTrace();
            } catch (java.io.IOException e) {
                throw new ExitException(Exit.HOST_TRACE, "the host trace cannot begin: " + e.getMessage());
            }
            List<Thread> threads = new ArrayList<>();
            Summary[] results = new Summary[guests.size()];
            for (int i = 0; i < guests.size(); i++) {
                RecordOptions opt = guests.get(i);
                String name = HostRecording.name(opt.ports());
                int slot = i;
                Thread t = new Thread(() -> results[slot] = record(opt, name, host), "guest-" + name);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                while (t.isAlive()) {
                    t.join(Progress.PERIOD_MS);
                    progress.draw();
                }
            }
            progress.finish();
            try {
                host.endTrace();
            } catch (java.io.IOException e) {
                hostLines.add("warning: the host trace did not end cleanly: " + e.getMessage());
            }
            host.writeFleet(hostLines, guests.stream().map(g -> HostRecording.name(g.ports())).toList());
            for (int i = 0; i < results.length; i++) {
                // null: the guest's thread ended on an Error (out of memory, say), not an exception
                each.add(results[i] != null ? results[i] : new Summary(Exit.SOFTWARE,
                        List.of(HostRecording.name(guests.get(i).ports()) + ": error: its recording ended abruptly")));
            }
        }
        return combined(each, hostLines);
    }

    private Summary record(RecordOptions opt, String name, HostRecording host) {
        Recorder r = new Recorder(opt, nat, stop, host, writing).notices(l -> notice.accept(name + ": " + l))
                .whenReading(cpus -> progress.joined(name, cpus));
        try {
            Summary s = r.run();
            return new Summary(s.exit(), prefixed(name, s.lines()));
        } catch (ExitException e) {
            return new Summary(e.exit(), List.of(name + ": error: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Summary(Exit.INCOMPLETE, List.of(name + ": interrupted"));
        } catch (Exception e) {
            return new Summary(Exit.SOFTWARE, List.of(name + ": error: " + e));
        }
    }

    private static List<String> prefixed(String name, List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.startsWith(" ") ? l : name + ": " + l);
        }
        return out;
    }

    private static Summary combined(List<Summary> each, List<String> hostLines) {
        List<String> lines = new ArrayList<>();
        int error = Exit.OK;
        boolean incomplete = false;
        for (Summary s : each) {
            lines.addAll(s.lines());
            if (s.exit() == Exit.INCOMPLETE) {
                incomplete = true;
            } else if (s.exit() != Exit.OK && error == Exit.OK) {
                error = s.exit();
            }
        }
        lines.addAll(hostLines);
        return new Summary(error != Exit.OK ? error : incomplete ? Exit.INCOMPLETE : Exit.OK, lines);
    }
}
