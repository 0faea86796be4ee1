package org.virtiotrace.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** -s/--pipe-size, as the C trace-agent takes it. */
class SizeConverterTest {
    private final SizeConverter c = new SizeConverter();

    @Test
    void accepts_k_and_m_suffixes_in_either_case() {
        assertEquals(65536, c.convert("64K"));
        assertEquals(65536, c.convert("64k"));
        assertEquals(1 << 20, c.convert("1M"));
        assertEquals(256 << 10, c.convert("256K"));
    }

    @Test
    void a_plain_number_is_bytes() {
        assertEquals(131072, c.convert("131072"));
    }

    @Test
    void below_64k_or_above_1m_is_refused_with_the_range() {
        var e = assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("32K"));
        assertTrue(e.getMessage().contains("64K and 1M"), e.getMessage());
        assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("2M"));
    }

    @Test
    void garbage_and_zero_are_refused() {
        assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("lots"));
        assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("0"));
        assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("-64K"));
        assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("K"));
    }
}
