package org.virtiotrace.core.config;

/**
 * What {@code virtio-trace list} asks the guest, as {@code ?list} carries it: the kind, a
 * space, and an optional glob ({@code events sched:*}, {@code tracers}, {@code options},
 * {@code functions vfs_*}). The answer is text, one name a line, as {@code trace-cmd list}
 * prints it. The spec is docs/trace-config.md.
 */
public record ListQuery(Kind kind, String glob) {
    public enum Kind {
        EVENTS("events"), TRACERS("tracers"), OPTIONS("options"), FUNCTIONS("functions");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public ListQuery {
        if (glob != null && (glob.isEmpty() || glob.indexOf('\n') >= 0)) {
            throw new IllegalArgumentException("a glob is one line of text");
        }
    }

    public String encode() {
        return kind.word + (glob == null ? "" : " " + glob);
    }

    public static ListQuery decode(String text) {
        String t = text.strip();
        int sp = t.indexOf(' ');
        String word = sp < 0 ? t : t.substring(0, sp);
        String glob = sp < 0 ? null : t.substring(sp + 1).strip();
        for (Kind k : Kind.values()) {
            if (k.word.equals(word)) {
                return new ListQuery(k, glob == null || glob.isEmpty() ? null : glob);
            }
        }
        throw new IllegalArgumentException("unknown list '" + word + "' (known: events, tracers, options, functions)");
    }
}
