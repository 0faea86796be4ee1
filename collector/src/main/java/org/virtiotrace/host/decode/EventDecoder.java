package org.virtiotrace.host.decode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;

/**
 * A small reader of ring-buffer pages for when trace-cmd is not installed (the demo's
 * fallback): event name and time for every event, and the text of trace markers. It walks
 * events with the one page walker and names them by the "ID:" of their format file. trace-cmd
 * remains the reference reader; this only shows what is there.
 */
public final class EventDecoder {
    /** One decoded event. */
    public record Event(int cpu, long timestampNs, String name, String text) {
        @Override
        public String toString() {
            return String.format("cpu%d %6d.%06d: %s%s", cpu, timestampNs / 1_000_000_000L,
                    timestampNs % 1_000_000_000L / 1000, name, text.isEmpty() ? "" : ": " + text);
        }
    }

    private static final Pattern NAME = Pattern.compile("(?m)^name: (\\S+)$");
    private static final Pattern ID = Pattern.compile("(?m)^ID: (\\d+)$");
    private static final Pattern BUF = Pattern.compile("field:char buf\\[\\];\\s*offset:(\\d+);");

    private final Map<Integer, String> names = new HashMap<>();
    private final Map<Integer, Integer> stringAt = new HashMap<>();
    private final PageFormat format;

    public EventDecoder(FileSet meta, PageFormat format) {
        this.format = format;
        for (var e : meta.files().entrySet()) {
            if (!e.getKey().endsWith("/format") || !e.getKey().startsWith("events/")) {
                continue;
            }
            String f = new String(e.getValue(), StandardCharsets.UTF_8);
            Matcher n = NAME.matcher(f);
            Matcher id = ID.matcher(f);
            if (n.find() && id.find()) {
                int i = Integer.parseInt(id.group(1));
                names.put(i, n.group(1));
                Matcher buf = BUF.matcher(f);
                if (buf.find()) {
                    stringAt.put(i, Integer.parseInt(buf.group(1)));
                }
            }
        }
    }

    /** Every event of CPU {@code cpu}'s pages, in order; a damaged page gives the events before the damage. */
    public List<Event> decode(int cpu, byte[] pages) {
        ByteBuffer b = ByteBuffer.wrap(pages).order(format.order());
        List<Event> out = new ArrayList<>();
        for (int p = 0; p + format.pageSize() <= pages.length; p += format.pageSize()) {
            PageWalker.walk(b, p, format, (time, typeLen, payload, length) -> {
                if (length >= 2) {
                    int type = Short.toUnsignedInt(b.getShort(payload));
                    out.add(new Event(cpu, time, names.getOrDefault(type, "event#" + type), text(b, type, payload, length)));
                }
            });
        }
        return out;
    }

    private String text(ByteBuffer b, int type, int data, int len) {
        Integer at = stringAt.get(type);
        if (at == null || at >= len) {
            return "";
        }
        int i = data + at;
        StringBuilder s = new StringBuilder();
        while (i < data + len && b.get(i) != 0) {
            s.append((char) (b.get(i++) & 0xff));
        }
        return s.toString().strip();
    }
}
