package org.virtiotrace.host.decode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.agent.meta.FileSet;

/**
 * A small reader of ring-buffer pages for when trace-cmd is not installed (the demo's
 * fallback): event name and time for every event, and the text of trace markers. It walks
 * events as the kernel lays them out (events/header_event) and names them by the "ID:" of
 * their format file. trace-cmd remains the reference reader; this only shows what is there.
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
    private final ByteOrder order;
    private final int pageSize;

    public EventDecoder(FileSet meta, ByteOrder order, int pageSize) {
        this.order = order;
        this.pageSize = pageSize;
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

    /** Every event of CPU {@code cpu}'s pages, in order. */
    public List<Event> decode(int cpu, byte[] pages) {
        ByteBuffer b = ByteBuffer.wrap(pages).order(order);
        List<Event> out = new ArrayList<>();
        for (int p = 0; p + pageSize <= pages.length; p += pageSize) {
            long ts = b.getLong(p);
            int end = p + 16 + (int) (b.getLong(p + 8) & ((1L << 27) - 1));
            int pos = p + 16;
            while (pos + 4 <= end) {
                int header = b.getInt(pos);
                int typeLen = header & 0x1f;
                long delta = header >>> 5;
                if (typeLen == 29) {
                    if (delta == 0) {
                        break;
                    }
                    pos += 4 + b.getInt(pos + 4);
                } else if (typeLen == 30) {
                    ts += delta + ((long) b.getInt(pos + 4) << 27);
                    pos += 8;
                } else if (typeLen == 31) {
                    ts = ((long) b.getInt(pos + 4) << 27) | delta;
                    pos += 8;
                } else {
                    ts += delta;
                    int data = typeLen == 0 ? pos + 8 : pos + 4;
                    int len = typeLen == 0 ? b.getInt(pos + 4) - 4 : typeLen * 4;
                    if (len < 2 || data + len > end) {
                        break;
                    }
                    int type = Short.toUnsignedInt(b.getShort(data));
                    out.add(new Event(cpu, ts, names.getOrDefault(type, "event#" + type), text(b, type, data, len)));
                    pos = data + len;
                }
            }
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
