package org.virtiotrace.agent.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The sequence numbers of the markers {@link Rig#mark} wrote, in the order they appear in raw pages. */
public final class Markers {
    private static final Pattern MARK = Pattern.compile("m(\\d{7}) ");

    private Markers() {
    }

    public static List<Integer> in(byte[] raw) {
        List<Integer> seq = new ArrayList<>();
        Matcher m = MARK.matcher(new String(raw, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            seq.add(Integer.parseInt(m.group(1)));
        }
        return seq;
    }

    /** The first place where {@code seq} is not from, from+1, ..., or null when it is exactly that run. */
    public static String gapIn(List<Integer> seq, int from, int count) {
        if (seq.size() != count) {
            return seq.size() + " markers, expected " + count + gapDetail(seq, from);
        }
        return gapDetail(seq, from).isEmpty() ? null : gapDetail(seq, from);
    }

    private static String gapDetail(List<Integer> seq, int from) {
        for (int i = 0; i < seq.size(); i++) {
            if (seq.get(i) != from + i) {
                return "; at index " + i + " found m" + seq.get(i) + ", expected m" + (from + i);
            }
        }
        return "";
    }
}
