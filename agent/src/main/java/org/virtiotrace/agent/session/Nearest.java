package org.virtiotrace.agent.session;

import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/** The names closest to a misspelt one, by edit distance: what "did you mean" offers. */
final class Nearest {
    private Nearest() {
    }

    /**
     * Up to {@code max} of {@code names}, closest first, whose key (what the user would have typed)
     * is within a third of the word's length (at least 2) of {@code word}, or contains it.
     */
    static List<String> of(String word, List<String> names, Function<String, String> key, int max) {
        int limit = Math.max(2, word.length() / 3);
        record Scored(String name, int d) {
        }
        return names.stream()
                .map(n -> new Scored(n, key.apply(n).contains(word) && !word.isEmpty() ? 1 : distance(word, key.apply(n))))
                .filter(s -> s.d <= limit)
                .sorted(Comparator.comparingInt(Scored::d).thenComparing(Scored::name))
                .limit(max).map(Scored::name).toList();
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
