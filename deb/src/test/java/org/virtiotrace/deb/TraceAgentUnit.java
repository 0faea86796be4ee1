package org.virtiotrace.deb;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.virtiotrace.testkit.guest.QemuGuest;

/** trace-agent.service as systemd in a {@link QemuGuest#systemd} guest reports it. */
final class TraceAgentUnit {
    static final String NAME = "trace-agent.service";

    private final QemuGuest guest;
    /** The guest was booted with the ports on host FIFOs, which a running agent fills while nobody reads. */
    private final boolean bootPorts;

    TraceAgentUnit(QemuGuest guest) {
        this(guest, true);
    }

    TraceAgentUnit(QemuGuest guest, boolean bootPorts) {
        this.guest = guest;
        this.bootPorts = bootPorts;
    }

    /** The unit's journal, the ports the guest sees, and the console's tail: for a failed check. */
    String context() throws IOException, InterruptedException {
        return "\njournal of " + NAME + ":\n" + guest.exec("journalctl -u " + NAME + " --no-pager -o short-monotonic; "
                + "ls -l /dev/virtio-ports").out() + "\nconsole (tail):\n" + guest.tail("console.log", 15);
    }

    /** `systemctl show` properties of a unit. */
    Map<String, String> showUnit(String unit, String... props) throws IOException, InterruptedException {
        String out = guest.sh("systemctl show '" + unit + "' -p " + String.join(",", props));
        return out.lines().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
                        (a, b) -> b));
    }

    /** `systemctl show` properties of trace-agent.service. */
    Map<String, String> show(String... props) throws IOException, InterruptedException {
        return showUnit(NAME, props);
    }

    /**
     * Polls the unit until ActiveState/SubState are as given (draining the host's ports meanwhile);
     * returns the last ActiveState, SubState, StatusText, MainPID, Result seen.
     */
    Map<String, String> await(String active, String sub, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, String> u = show("ActiveState", "SubState", "StatusText", "MainPID", "Result");
            if (active.equals(u.get("ActiveState")) && sub.equals(u.get("SubState")) || System.nanoTime() > end) {
                return u;
            }
            if (bootPorts) {
                guest.hostPorts().drain(1000);
            } else {
                Thread.sleep(250);
            }
        }
    }

    String journal() throws IOException, InterruptedException {
        return guest.sh("journalctl -u " + NAME + " --no-pager -o short-monotonic");
    }
}
