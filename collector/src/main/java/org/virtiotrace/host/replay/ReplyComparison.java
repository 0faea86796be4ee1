package org.virtiotrace.host.replay;

import java.io.IOException;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.wire.ReplyFrame;

/**
 * Whether a live agent's reply matches a recorded one in what does not depend on the machine:
 * there or not, its status, and its kind (a handshake with the same keys and protocol, a file
 * set with the files trace.dat needs). Contents (formats, symbols, names) differ by machine.
 */
final class ReplyComparison {
    private static final String[] NEEDED = {"events/header_page", "events/header_event"};

    private ReplyComparison() {
    }

    /** Empty when they match. */
    static Optional<Mismatch> compare(String request, Optional<ReplyFrame> want, Optional<ReplyFrame> got) {
        if (want.isEmpty()) {
            return got.map(g -> new Mismatch("no reply to ?" + request + " (the recorded agent gave none)", describe(g)));
        }
        ReplyFrame w = want.get();
        if (got.isEmpty()) {
            return Optional.of(new Mismatch("a reply to ?" + request + ": " + describe(w), "no reply"));
        }
        ReplyFrame g = got.get();
        if (w.status() != g.status()) {
            return Optional.of(new Mismatch(describe(w), describe(g)));
        }
        if (w.isError()) {
            return Optional.empty();
        }
        if (request.equals("hello")) {
            Properties a = TraceMetadata.parseInfo(w.text());
            Properties b = TraceMetadata.parseInfo(g.text());
            if (!new TreeSet<>(a.stringPropertyNames()).equals(new TreeSet<>(b.stringPropertyNames()))
                    || !a.getProperty("protocol", "").equals(b.getProperty("protocol", ""))) {
                return Optional.of(new Mismatch("a handshake with " + new TreeSet<>(a.stringPropertyNames())
                        + ", protocol " + a.getProperty("protocol"), "one with " + new TreeSet<>(b.stringPropertyNames())
                        + ", protocol " + b.getProperty("protocol")));
            }
            return Optional.empty();
        }
        Optional<FileSet> fw = files(w);
        Optional<FileSet> fg = files(g);
        if (fw.isPresent() != fg.isPresent()) {
            return Optional.of(new Mismatch(fw.isPresent() ? "a file set" : "not a file set",
                    fg.isPresent() ? "a file set" : "not a file set (" + describe(g) + ")"));
        }
        if (fw.isPresent()) {
            for (String n : NEEDED) {
                if (fw.get().get(n).isPresent() && fg.get().get(n).isEmpty()) {
                    return Optional.of(new Mismatch("a file set with " + n, "one without it"));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<FileSet> files(ReplyFrame f) {
        try {
            return Optional.of(FileSet.decode(f.payload()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String describe(ReplyFrame f) {
        return f.isError() ? "error \"" + f.text() + "\"" : "ok, " + f.payload().length + " bytes";
    }
}
