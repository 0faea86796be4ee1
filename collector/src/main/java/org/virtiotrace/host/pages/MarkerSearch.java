package org.virtiotrace.host.pages;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.core.page.PageWalker;

/**
 * Finds a trace marker (an ftrace {@code print} event: a write to the guest's trace_marker)
 * whose text holds a given string, in a page as it arrives (record's --until-marker). A byte
 * search over the page comes first, so a page without the text costs one scan and no walk;
 * only a page that holds the bytes is walked, to be sure they are a print event's text and to
 * take its time.
 */
public final class MarkerSearch {
    private static final Pattern ID = Pattern.compile("(?m)^ID: (\\d+)$");
    private static final Pattern BUF = Pattern.compile("field:char buf\\[\\];\\s*offset:(\\d+);");

    private final byte[] text;
    private final int printId;
    private final int bufOffset;
    private final PageFormat format;

    private MarkerSearch(byte[] text, int printId, int bufOffset, PageFormat format) {
        this.text = text;
        this.printId = printId;
        this.bufOffset = bufOffset;
        this.format = format;
    }

    /**
     * A search for {@code text} in the print events of pages laid out as {@code format}, whose ids
     * and fields come from the guest's {@code events/ftrace/print/format}; null when the metadata has
     * no such format (the caller says why it cannot watch).
     */
    public static MarkerSearch of(String text, FileSet meta, PageFormat format) {
        byte[] f = meta.files().get("events/ftrace/print/format");
        if (f == null || text.isEmpty()) {
            return null;
        }
        String s = new String(f, StandardCharsets.UTF_8);
        Matcher id = ID.matcher(s);
        Matcher buf = BUF.matcher(s);
        if (!id.find() || !buf.find()) {
            return null;
        }
        return new MarkerSearch(text.getBytes(StandardCharsets.UTF_8), Integer.parseInt(id.group(1)),
                Integer.parseInt(buf.group(1)), format);
    }

    /** The trace time of the first marker holding the text in the whole page at {@code at}, or -1. */
    public long find(ByteBuffer b, int at) {
        if (!holdsText(b, at + format.dataOffset(), at + format.pageSize())) {
            return -1;
        }
        long[] found = {-1};
        b.order(format.order());
        PageWalker.walk(b, at, format, (time, typeLen, payload, length) -> {
            if (found[0] < 0 && length > bufOffset && Short.toUnsignedInt(b.getShort(payload)) == printId
                    && holdsText(b, payload + bufOffset, payload + length)) {
                found[0] = time;
            }
        });
        return found[0];
    }

    private boolean holdsText(ByteBuffer b, int from, int to) {
        byte first = text[0];
        for (int i = from, last = to - text.length; i <= last; i++) {
            if (b.get(i) != first) {
                continue;
            }
            int k = 1;
            while (k < text.length && b.get(i + k) == text[k]) {
                k++;
            }
            if (k == text.length) {
                return true;
            }
        }
        return false;
    }
}
