package org.virtiotrace.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Log lines on a terminal and in the journal. */
class LogTest {
    @Test
    void under_journald_lines_start_with_the_syslog_priority() {
        assertEquals("<3>boom", Log.format(Log.Level.ERROR, true, "boom"));
        assertEquals("<4>hm", Log.format(Log.Level.WARNING, true, "hm"));
        assertEquals("<6>ready", Log.format(Log.Level.INFO, true, "ready"));
    }

    @Test
    void on_a_terminal_lines_name_the_program_and_severity() {
        assertEquals("trace-agent: error: boom", Log.format(Log.Level.ERROR, false, "boom"));
        assertEquals("trace-agent: ready", Log.format(Log.Level.INFO, false, "ready"));
    }

    @Test
    void a_garbage_flood_is_cut_to_a_burst_and_one_note() {
        RateLimiter r = new RateLimiter(3, 60_000_000_000L);
        assertEquals(1, r.admit());
        assertEquals(1, r.admit());
        assertEquals(1, r.admit());
        assertEquals(0, r.admit());
        assertEquals(-1, r.admit());
    }
}
