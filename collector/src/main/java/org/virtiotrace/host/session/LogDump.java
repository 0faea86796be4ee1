package org.virtiotrace.host.session;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.virtiotrace.core.meta.TraceMetadata;
import org.virtiotrace.core.wire.ReplyFrame;
import org.virtiotrace.core.wire.ReplyScanner;

/**
 * {@code virtio-trace dump}: one line per record, like QEMU's replay-dump: its index, its time
 * since the session began, its event and what it carries. Byte strings are shown as text when
 * they are (orders, requests), else by size; control-port reads also say which replies they
 * completed. The last line says where the log ends and why.
 */
public final class LogDump {
    private static final int SHOW_TEXT_UP_TO = 200;

    private final PrintWriter out;
    private final ReplyScanner replies = new ReplyScanner();
    private long base = Long.MIN_VALUE;
    private int pageSize = 4096;

    public LogDump(PrintWriter out) {
        this.out = out;
    }

    /** Dumps every record; returns how the log ended. */
    public LogEnd dump(LogReader r) throws java.io.IOException {
        out.printf("%s: simpletrace v4, %s-endian%n", r.path(), r.order().toString().startsWith("LITTLE") ? "little"
                : "big");
        for (Optional<LogRecord> o; (o = r.next()).isPresent(); ) {
            out.println(o.get().intact() ? line(o.get()) : damaged(o.get()));
        }
        LogEnd end = r.end();
        out.println((end.whole() ? "end: " : end.kind() == LogEnd.Kind.DAMAGED ? "end (damaged): " : "end (early): ")
                + end.describe()
                + (r.unknownRecords() > 0 ? "; " + r.unknownRecords() + " records of events this version does not "
                + "know were skipped" : ""));
        return end;
    }

    /** A damaged record, shown as read: its values may be anything, so nothing is made of them. */
    private String damaged(LogRecord rec) {
        String shown;
        try {
            shown = line(rec);
        } catch (RuntimeException e) {
            shown = "#" + rec.index() + " " + rec.name();
        }
        return shown + "   <- DAMAGED: its CRC does not match its bytes";
    }

    String line(LogRecord rec) {
        if (base == Long.MIN_VALUE) {
            base = rec.is(SessionEvent.SESSION) ? rec.u64(4) : rec.timestamp();
        }
        String head = String.format("#%d %+.6f %s", rec.index(), (rec.timestamp() - base) / 1e9, rec.name());
        if (rec.event() == null) {
            return head + " (an event this version does not know; skipped)";
        }
        return head + " " + switch (rec.event()) {
            case SESSION -> String.format("format=%d pid=%d started=%s host=%s collector=%s agent=%s target=%s",
                    rec.u64(1), rec.u64(2), Instant.ofEpochSecond(0, rec.u64(3)), rec.text(5), rec.text(6),
                    rec.text(7), rec.text(8));
            case CTL_OPEN, NOTE -> rec.text(0);
            case DATA_OPEN -> "cpu=" + rec.u64(0) + " " + rec.text(1);
            case CTL_WRITE, CTL_STALE -> show(rec.bytes(0));
            case CTL_READ -> ctlRead(rec.bytes(0));
            case CTL_EOF -> "";
            case DATA, DATA_STALE -> "cpu=" + rec.u64(0) + " " + data(rec.bytes(1));
            case DATA_EOF -> "cpu=" + rec.u64(0);
            case PORT_ERROR -> rec.text(0) + " errno=" + rec.u64(1) + ": " + rec.text(2);
            case META_USED -> "reply=" + rec.u64(0) + " as " + rec.text(1);
            case META_FILES -> rec.bytes(0).length + " bytes of --meta files";
            case PROGRESS -> String.format("cpu=%d bytes=%d pages=%d lost=%d torn=%d", rec.u64(0), rec.u64(1),
                    rec.u64(2), rec.u64(3), rec.u64(4));
            case CPU_TOTAL -> String.format("cpu=%d bytes=%d pages=%d lost=%d torn=%d cut=%d", rec.u64(0), rec.u64(1),
                    rec.u64(2), rec.u64(3), rec.u64(4), rec.u64(5));
            case END -> "exit=" + rec.u64(0) + " records=" + rec.u64(1);
            case CTL_TOTAL -> "written=" + rec.u64(0) + " read=" + rec.u64(1);
            case SYNC_SAMPLE -> String.format("sent=%d received=%d replied=%d back=%d guest_wall-mono=%d "
                            + "host_wall-mono=%d clock_error=%d trace-mono=%d probes=%d/%d", rec.u64(0), rec.u64(1),
                    rec.u64(2), rec.u64(3), rec.u64(4), rec.u64(5), rec.u64(6), rec.u64(7), rec.u64(8), rec.u64(9));
            case TRACE_IDS -> "guest=" + Long.toUnsignedString(rec.u64(0)) + " host=" + Long.toUnsignedString(rec.u64(1))
                    + (rec.u64(2) == 0 ? "" : " date_offset=" + rec.u64(2));
            case HEARTBEAT -> rec.text(0) + " " + rec.u64(1) + " (was " + rec.u64(2) + ")";
            case HEARTBEAT_MISSED -> "cpu=" + rec.u64(0) + " last=" + rec.u64(1) + " newest=" + rec.u64(2);
            case CPU_CLOCK -> "cpu=" + rec.u64(0) + " heartbeats=" + rec.u64(1) + " offset=" + rec.u64(2) + " spread="
                    + rec.u64(3) + (rec.u64(4) == 1 ? " applied" : " checked");
        };
    }

    private String ctlRead(byte[] b) {
        StringBuilder s = new StringBuilder(b.length + " bytes");
        List<ReplyFrame> done = replies.feed(b, 0, b.length);
        for (ReplyFrame f : done) {
            s.append("; completes reply ").append(f.requestId()).append(f.isError() ? " (error: " + f.text() + ")"
                    : " (ok, " + f.payload().length + " bytes)");
            if (!f.isError() && printable(f.payload())) {
                if (f.payload().length <= SHOW_TEXT_UP_TO) {
                    s.append(" ").append(show(f.payload()));
                }
                String page = TraceMetadata.parseInfo(f.text()).getProperty("subbuf-size");
                if (page != null && page.matches("\\d+")) {
                    pageSize = Integer.parseInt(page); // the handshake's: data chunks are then shown in pages
                }
            }
        }
        return s.toString();
    }

    private String data(byte[] b) {
        return b.length + " bytes" + (b.length % pageSize == 0 ? " (" + b.length / pageSize + " pages)"
                : String.format(" (%.2f pages)", b.length / (double) pageSize));
    }

    private static String show(byte[] b) {
        if (!printable(b) || b.length > SHOW_TEXT_UP_TO) {
            return b.length + " bytes";
        }
        return '"' + new String(b, StandardCharsets.US_ASCII).replace("\\", "\\\\").replace("\n", "\\n")
                .replace("\t", "\\t") + '"';
    }

    private static boolean printable(byte[] b) {
        for (byte c : b) {
            if ((c < 0x20 || c > 0x7e) && c != '\n' && c != '\t') {
                return false;
            }
        }
        return true;
    }
}
