package org.virtiotrace.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtiotrace.core.wire.ControlParser;
import org.virtiotrace.core.wire.OrderHandler;
import org.virtiotrace.core.wire.Order;
import org.virtiotrace.core.wire.Request;

/** The trace configuration as ?configure carries it (docs/trace-config.md). */
class ConfigTextTest {
    private static final TraceConfig EVERYTHING = new TraceConfig(
            List.of(new EventChoice("sched_switch", "prev_pid != 0 && next_comm ~ \"k*\""), new EventChoice("irq:*", null)),
            4096, "function_graph", List.of("vfs_*"), List.of("schedule"), List.of("vfs_read"), 3, "global",
            List.of("noprint-parent", "stacktrace"), true);

    @Test
    void every_option_survives_the_text_form() {
        assertEquals(EVERYTHING, ConfigText.decode(ConfigText.encode(EVERYTHING)));
    }

    @Test
    void a_filter_belongs_to_the_event_line_before_it() {
        TraceConfig c = ConfigText.decode(ConfigText.FIRST_LINE + "\nevent a\nevent b\nfilter x == 1\n");
        assertEquals(List.of(new EventChoice("a", null), new EventChoice("b", "x == 1")), c.events());
    }

    @Test
    void a_filter_before_any_event_is_refused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConfigText.decode(ConfigText.FIRST_LINE + "\nfilter x == 1\n"));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("must follow an event"), e.getMessage());
    }

    @Test
    void an_unknown_setting_is_refused_not_skipped() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConfigText.decode(ConfigText.FIRST_LINE + "\nevent a\ncpumask 3\n"));
        assertTrue(e.getMessage().contains("unknown setting 'cpumask'"), e.getMessage());
    }

    @Test
    void a_text_of_another_kind_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> ConfigText.decode("event a\n"));
    }

    @Test
    void only_the_first_line_is_the_empty_configuration() {
        assertTrue(ConfigText.decode(ConfigText.FIRST_LINE + "\n").isEmpty());
        assertEquals(ConfigText.FIRST_LINE + "\n", ConfigText.encode(TraceConfig.NONE));
    }

    @Test
    void names_that_could_reach_a_path_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> new TraceConfig(List.of(), 0, "../../x", List.of(),
                List.of(), List.of(), 0, null, List.of(), false));
        assertThrows(IllegalArgumentException.class, () -> new TraceConfig(List.of(), 0, null, List.of("a b"),
                List.of(), List.of(), 0, null, List.of(), false));
    }

    @Test
    void function_tracing_is_told_apart_from_events() {
        assertTrue(EVERYTHING.tracesFunctions());
        TraceConfig events = new TraceConfig(List.of(new EventChoice("irq", null)), 0, "nop", List.of(), List.of(),
                List.of(), 0, "mono", List.of("stacktrace"), true);
        assertEquals(false, events.tracesFunctions());
    }

    @Test
    void a_configuration_travels_whole_through_the_control_parser() {
        Request sent = Request.withText("configure", 7, ConfigText.encode(EVERYTHING));
        List<Request> got = new java.util.ArrayList<>();
        ControlParser p = new ControlParser(new OrderHandler() {
            @Override
            public void order(Order order) {
            }

            @Override
            public void request(Request r) {
                got.add(r);
            }

            @Override
            public void unknown(String token) {
                throw new AssertionError(token);
            }
        });
        byte[] wire = sent.wire().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < wire.length; i += 7) { // split across reads, as a port delivers it
            p.feed(wire, i, Math.min(7, wire.length - i));
        }
        assertEquals(1, got.size());
        assertEquals(EVERYTHING, ConfigText.decode(got.get(0).text()));
    }

    @Test
    void a_list_query_names_its_kind_and_glob() {
        assertEquals(new ListQuery(ListQuery.Kind.EVENTS, "sched:*"), ListQuery.decode("events sched:*"));
        assertEquals(new ListQuery(ListQuery.Kind.TRACERS, null), ListQuery.decode("tracers"));
        assertThrows(IllegalArgumentException.class, () -> ListQuery.decode("kprobes"));
    }
}
