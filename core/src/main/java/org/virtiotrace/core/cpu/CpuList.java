package org.virtiotrace.core.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * A set of CPU numbers in the kernel's list format ("0-3,8,10-11"), as in
 * /sys/devices/system/cpu/online. Numbers may be sparse and exceed 256.
 */
public final class CpuList {
    public static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
    private static final int MAX_CPU = 1 << 16;

    private final BitSet cpus;

    private CpuList(BitSet cpus) {
        this.cpus = cpus;
    }

    public static CpuList parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty CPU list");
        }
        BitSet set = new BitSet();
        for (String part : s.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            int lo = number(dash < 0 ? p : p.substring(0, dash), text);
            int hi = dash < 0 ? lo : number(p.substring(dash + 1), text);
            if (hi < lo) {
                throw new IllegalArgumentException("CPU range '" + p + "' goes backwards in '" + text.trim() + "'");
            }
            set.set(lo, hi + 1);
        }
        return new CpuList(set);
    }

    public static CpuList online() throws IOException {
        return parse(Files.readString(ONLINE));
    }

    private static int number(String s, String whole) {
        try {
            int n = Integer.parseInt(s.trim());
            if (n < 0 || n >= MAX_CPU) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s.trim() + "' in '" + whole.trim()
                    + "' is not a CPU number (expected a list like 0-3,8)");
        }
    }

    public IntStream stream() {
        return cpus.stream();
    }

    public int size() {
        return cpus.cardinality();
    }

    public boolean contains(int cpu) {
        return cpus.get(cpu);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int i = cpus.nextSetBit(0);
        while (i >= 0) {
            int end = cpus.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }
}
