package org.virtiotrace.host.longrun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.virtiotrace.host.Exit;
import org.virtiotrace.host.testing.HostRig;
import org.virtiotrace.host.testing.Proc;

/** A recording stopped by Ctrl-C half a second after a marker, as a user stops a flight recorder. */
final class MarkedStop {
    private MarkedStop() {
    }

    /**
     * Records with {@code args} for 5 s (the rig's agent and load running), writes {@code marker}
     * into the traced instance, and sends SIGINT 0.5 s later; returns the recording, ended (exit 0).
     */
    static Proc record(HostRig rig, String marker, String... args) throws Exception {
        Proc rec = rig.record(args);
        Thread.sleep(5000);
        rig.instance.mark(marker);
        Thread.sleep(500);
        rec.signal("INT");
        assertEquals(Exit.OK, rec.waitFor(Duration.ofSeconds(60)), rec.stderr());
        return rec;
    }
}
