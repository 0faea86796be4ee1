package org.virtiotrace.agent.cli;

import picocli.CommandLine;

/** "65536", "64K", "1M" (as the C trace-agent's -s), bounded to 64 KiB .. 1 MiB. */
public final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    static final int MIN = 64 << 10;
    static final int MAX = 1 << 20;

    @Override
    public Integer convert(String value) {
        long bytes = parse(value);
        if (bytes < MIN || bytes > MAX) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is out of range: the pipe size must be between 64K and 1M");
        }
        return (int) bytes;
    }

    static long parse(String value) {
        String v = value.trim();
        long unit = 1;
        if (!v.isEmpty()) {
            switch (Character.toUpperCase(v.charAt(v.length() - 1))) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> unit = 1;
            }
        }
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a size (expected a number of bytes, or with K, M or G, like 256K)");
        }
    }
}
