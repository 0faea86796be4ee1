package org.virtiotrace.host.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The session log's events: the Java side of the shipped trace-events file (a test holds the
 * two equal). The enum's order is never changed: a new event goes at the end, so ids stay put
 * across versions (readers go by the mapping records' names anyway).
 */
public enum SessionEvent {
    SESSION("vt_session", Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.BYTES, Arg.BYTES, Arg.BYTES, Arg.BYTES),
    CTL_OPEN("vt_ctl_open", Arg.BYTES),
    DATA_OPEN("vt_data_open", Arg.U64, Arg.BYTES),
    CTL_WRITE("vt_ctl_write", Arg.BYTES),
    CTL_READ("vt_ctl_read", Arg.BYTES),
    CTL_STALE("vt_ctl_stale", Arg.BYTES),
    CTL_EOF("vt_ctl_eof"),
    DATA("vt_data", Arg.U64, Arg.BYTES),
    DATA_STALE("vt_data_stale", Arg.U64, Arg.BYTES),
    DATA_EOF("vt_data_eof", Arg.U64),
    PORT_ERROR("vt_port_error", Arg.BYTES, Arg.U64, Arg.BYTES),
    META_USED("vt_meta_used", Arg.U64, Arg.BYTES),
    META_FILES("vt_meta_files", Arg.BYTES),
    PROGRESS("vt_progress", Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64),
    CPU_TOTAL("vt_cpu_total", Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64),
    NOTE("vt_note", Arg.BYTES),
    END("vt_end", Arg.U64, Arg.U64),
    CTL_TOTAL("vt_ctl_total", Arg.U64, Arg.U64),
    /** On the wire the last u64 is answered << 32 | asked (simpletrace allows 10 arguments, the CRC is one). */
    SYNC_SAMPLE("vt_sync_sample", Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64),
    TRACE_IDS("vt_trace_ids", Arg.U64, Arg.U64, Arg.U64),
    HEARTBEAT("vt_heartbeat", Arg.BYTES, Arg.U64, Arg.U64),
    HEARTBEAT_MISSED("vt_heartbeat_missed", Arg.U64, Arg.U64, Arg.U64),
    CPU_CLOCK("vt_cpu_clock", Arg.U64, Arg.U64, Arg.U64, Arg.U64, Arg.U64);

    /** An argument's wire form: a u64, or a u32 length and that many bytes. */
    public enum Arg { U64, BYTES }

    public static final String TRACE_EVENTS_RESOURCE = "trace-events";
    private static final Map<String, SessionEvent> BY_NAME = new HashMap<>();

    static {
        for (SessionEvent e : values()) {
            BY_NAME.put(e.wireName, e);
        }
    }

    private final String wireName;
    private final List<Arg> args;

    SessionEvent(String wireName, Arg... args) {
        this.wireName = wireName;
        this.args = List.of(args);
    }

    /** The name in mapping records and the trace-events file. */
    public String wireName() {
        return wireName;
    }

    public List<Arg> args() {
        return args;
    }

    /** The id this writer maps the event to. */
    public long id() {
        return ordinal();
    }

    public static Optional<SessionEvent> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The shipped trace-events file, as {@code virtio-trace dump --trace-events} prints it. */
    public static String traceEventsFile() {
        try (InputStream in = SessionEvent.class.getResourceAsStream(TRACE_EVENTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the trace-events resource is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
