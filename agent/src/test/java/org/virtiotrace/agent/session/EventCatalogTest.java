package org.virtiotrace.agent.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** -e as trace-cmd reads it, against this machine's own events (tracefs/events). */
class EventCatalogTest {
    private static EventCatalog events;

    @BeforeAll
    static void read() throws Exception {
        events = EventCatalog.read(Path.of("/sys/kernel/tracing/events"));
    }

    @Test
    void a_system_name_is_every_event_of_the_system() {
        List<String> sched = events.resolve("sched");
        assertTrue(sched.contains("sched/sched_switch") && sched.contains("sched/sched_wakeup"), sched.toString());
        assertTrue(sched.stream().allMatch(e -> e.startsWith("sched/")), sched.toString());
    }

    @Test
    void an_event_name_alone_is_found_in_its_system() {
        assertEquals(List.of("sched/sched_switch"), events.resolve("sched_switch"));
    }

    @Test
    void system_colon_event_and_system_slash_event_are_the_same() {
        assertEquals(events.resolve("sched:sched_switch"), events.resolve("sched/sched_switch"));
    }

    @Test
    void globs_match_either_part() {
        List<String> wake = events.resolve("sched:sched_wak*");
        assertTrue(wake.contains("sched/sched_waking") && wake.contains("sched/sched_wakeup"), wake.toString());
        assertTrue(events.resolve("*:sched_switch").contains("sched/sched_switch"));
    }

    @Test
    void all_is_every_event() {
        assertEquals(events.all().size(), events.resolve("all").size());
    }

    @Test
    void a_misspelt_event_matches_nothing_and_has_nearest_names() {
        assertEquals(List.of(), events.resolve("sched_swich"));
        assertTrue(events.nearest("sched_swich").contains("sched:sched_switch"), events.nearest("sched_swich").toString());
    }

    @Test
    void a_misspelt_system_has_nearest_names_too() {
        assertTrue(events.nearest("shced").contains("sched"), events.nearest("shced").toString());
    }
}
