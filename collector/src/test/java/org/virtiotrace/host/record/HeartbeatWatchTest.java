package org.virtiotrace.host.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which CPUs count as having lost their heartbeat (the rule; the scan is checked on real streams). */
class HeartbeatWatchTest {
    private final HeartbeatWatch watch = new HeartbeatWatch(3, 4096); // 92 beats fill a 4 KiB page

    @Test
    void after_the_stop_a_cpu_more_than_n_beats_behind_is_named() {
        List<String> behind = watch.behind(List.of(new HeartbeatWatch.Seen(0, 40), new HeartbeatWatch.Seen(1, 36)),
                true);
        assertEquals(List.of("cpu1 (heartbeat 36, others 40)"), behind);
    }

    @Test
    void n_beats_behind_is_still_alive() {
        assertEquals(List.of(), watch.behind(List.of(new HeartbeatWatch.Seen(0, 40), new HeartbeatWatch.Seen(1, 37)),
                true));
    }

    @Test
    void while_recording_a_page_of_beats_in_flight_is_allowed() {
        List<HeartbeatWatch.Seen> idleCpu = List.of(new HeartbeatWatch.Seen(0, 120), new HeartbeatWatch.Seen(1, 40));
        assertEquals(List.of(), watch.behind(idleCpu, false), "80 behind: an idle CPU's page is not full yet");
        List<HeartbeatWatch.Seen> stuck = List.of(new HeartbeatWatch.Seen(0, 200), new HeartbeatWatch.Seen(1, 40));
        assertEquals(List.of("cpu1 (heartbeat 40, others 200)"), watch.behind(stuck, false));
    }

    @Test
    void a_cpu_that_never_beat_is_named_once_others_have() {
        assertEquals(List.of("cpu1 (no heartbeat at all, others 10)"),
                watch.behind(List.of(new HeartbeatWatch.Seen(0, 10), new HeartbeatWatch.Seen(1, -1)), true));
    }

    @Test
    void an_agent_without_heartbeats_names_no_cpu() {
        assertEquals(List.of(), watch.behind(List.of(new HeartbeatWatch.Seen(0, -1), new HeartbeatWatch.Seen(1, -1)),
                true));
    }
}
