package org.virtiotrace.host.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * Appends a session's records to its log (docs/session-log.md). Crash-safe by construction:
 * the header and the mapping records are on disk before anything else, each record is one
 * append, and after a failed write (a full disk) the file is cut back to its last whole record
 * and nothing more is written, so a reader always finds whole records and then the end.
 *
 * <p>Until {@link #begin} the records are held in memory: the first event record is the
 * session's description, and that names the agent's version, known only after the handshake.
 *
 * <p>Every CPU thread and the main thread append: each record is written under the log's
 * lock, its timestamp taken there, so the file's order is the order of the timestamps.
 */
public final class SessionLog implements AutoCloseable {
    /** A log that records nothing: what the recorder uses without --session. */
    public static final SessionLog NONE = new SessionLog();

    private final FileChannel out;
    private final Path path;
    private final long pid = ProcessHandle.current().pid();
    private final String target;
    private final String collectorVersion;
    private final long startWallNanos;
    private final long startMonoNanos;
    private ByteBuffer scratch = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
    private final ByteBuffer[] gather = new ByteBuffer[3];
    private final ByteBuffer crcWord = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final CRC32 crc = new CRC32();
    private List<byte[]> held = new ArrayList<>();
    private long size;
    private long records;
    private String failure;
    private boolean closed;

    private SessionLog() {
        this.out = null;
        this.path = null;
        this.target = null;
        this.collectorVersion = null;
        this.startWallNanos = 0;
        this.startMonoNanos = 0;
        this.closed = true;
    }

    private SessionLog(FileChannel out, Path path, String target, String collectorVersion) {
        this.out = out;
        this.path = path;
        this.target = target;
        this.collectorVersion = collectorVersion;
        java.time.Instant now = java.time.Instant.now();
        this.startWallNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.startMonoNanos = System.nanoTime();
    }

    /** Creates (truncates) the log and writes its header and event mappings. */
    public static SessionLog create(Path path, String target, String collectorVersion) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        SessionLog log = new SessionLog(ch, path, target, collectorVersion);
        try {
            ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
            b.putLong(LogFormat.HEADER_EVENT_ID).putLong(LogFormat.HEADER_MAGIC).putLong(LogFormat.SIMPLETRACE_VERSION);
            for (SessionEvent e : SessionEvent.values()) {
                byte[] name = e.wireName().getBytes(StandardCharsets.US_ASCII);
                b.putLong(LogFormat.TYPE_MAPPING).putLong(e.id()).putInt(name.length).put(name);
            }
            b.flip();
            log.size = b.remaining();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            return log;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    public boolean enabled() {
        return !closed;
    }

    public Path path() {
        return path;
    }

    /** Why the log stopped early (a write failed), or null. */
    public synchronized String failure() {
        return failure;
    }

    public synchronized long records() {
        return records;
    }

    public synchronized long size() {
        return size;
    }

    /** Writes the session's description and the records held until now; then records go straight to the file. */
    public synchronized void begin(String agentVersion) {
        if (closed || held == null) {
            return;
        }
        List<byte[]> before = held;
        held = null;
        append(SessionEvent.SESSION, LogFormat.ENDIAN_MAGIC, LogFormat.FORMAT_VERSION, pid, startWallNanos,
                startMonoNanos, hostName(), collectorVersion, agentVersion, target);
        for (byte[] r : before) {
            writeWhole(ByteBuffer.wrap(r), null);
        }
    }

    /** One record. Arguments: {@code Long}/{@code Integer} for u64, {@code String}/{@code byte[]} for bytes. */
    public synchronized void event(SessionEvent e, Object... args) {
        if (!closed) {
            append(e, args);
        }
    }

    /**
     * A record whose last argument is {@code len} bytes of {@code src} from {@code from},
     * written without a copy. Returns where those bytes now lie in the file, or -1 when they
     * are not there (no log, held until {@link #begin}, or the write failed).
     */
    public synchronized long chunk(SessionEvent e, long cpuOrNone, ByteBuffer src, int from, int len) {
        if (closed) {
            return -1;
        }
        ByteBuffer payload = src.duplicate();
        payload.limit(from + len).position(from);
        boolean withCpu = e.args().size() == 2;
        ByteBuffer head = header(e, (withCpu ? 8 : 0) + 4 + len + LogFormat.CRC_BYTES, 12);
        if (withCpu) {
            head.putLong(cpuOrNone);
        }
        head.putInt(len);
        head.flip();
        crc.reset();
        crc.update(head.duplicate().position(LogFormat.TYPE_BYTES));
        crc.update(payload.duplicate());
        crcWord.clear().putLong(crc.getValue()).flip();
        if (held != null) {
            byte[] r = new byte[head.remaining() + len + LogFormat.CRC_BYTES];
            int h = head.remaining();
            head.get(r, 0, h);
            payload.get(r, h, len);
            crcWord.get(r, h + len, LogFormat.CRC_BYTES);
            held.add(r); // counted when written
            return -1;
        }
        long at = size + head.remaining();
        return writeWhole(head, payload) ? at : -1;
    }

    /** A port's failure: its path, the errno when the failure had one, the message. */
    public void portError(String portPath, IOException e) {
        long errno = e instanceof NativeException ne ? ne.errnoNumber() : 0;
        event(SessionEvent.PORT_ERROR, portPath, errno, e.getMessage() == null ? e.toString() : e.getMessage());
    }

    /** The last record, then the file's data to disk; idempotent. */
    public synchronized void end(int exitStatus) {
        if (closed) {
            return;
        }
        if (held != null) {
            begin("unknown");
        }
        append(SessionEvent.END, exitStatus, records);
        close();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.force(true);
        } catch (IOException e) {
            if (failure == null) {
                failure = path + ": " + e.getMessage();
            }
        }
        try {
            out.close();
        } catch (IOException e) {
            // the data is forced or the failure already said
        }
    }

    private void append(SessionEvent e, Object... args) {
        int argsBytes = 0;
        for (int i = 0; i < args.length; i++) {
            argsBytes += e.args().get(i) == SessionEvent.Arg.U64 ? 8 : 4 + bytes(args[i]).length;
        }
        ByteBuffer b = header(e, argsBytes + LogFormat.CRC_BYTES, argsBytes + LogFormat.CRC_BYTES);
        if (e == SessionEvent.SESSION) {
            b.putLong(16, startMonoNanos); // as of the start: the records held since then follow it in time
        }
        for (int i = 0; i < args.length; i++) {
            if (e.args().get(i) == SessionEvent.Arg.U64) {
                b.putLong(((Number) args[i]).longValue());
            } else {
                byte[] v = bytes(args[i]);
                b.putInt(v.length).put(v);
            }
        }
        crc.reset();
        crc.update(b.duplicate().flip().position(LogFormat.TYPE_BYTES));
        b.putLong(crc.getValue());
        b.flip();
        if (held != null && e != SessionEvent.SESSION) {
            byte[] r = new byte[b.remaining()];
            b.get(r);
            held.add(r); // counted when written
            return;
        }
        writeWhole(b, null);
    }

    /**
     * The record's type, id, timestamp, length and pid; {@code argsBytes} follow (for the
     * length field), of which {@code inlineBytes} go into the returned buffer.
     */
    private ByteBuffer header(SessionEvent e, int argsBytes, int inlineBytes) {
        int len = LogFormat.EVENT_HEADER_BYTES + argsBytes;
        int need = 8 + LogFormat.EVENT_HEADER_BYTES + inlineBytes;
        if (scratch.capacity() < need) {
            scratch = ByteBuffer.allocateDirect(Integer.highestOneBit(need) << 1).order(ByteOrder.nativeOrder());
        }
        ByteBuffer b = scratch.clear();
        b.putLong(LogFormat.TYPE_EVENT).putLong(e.id()).putLong(System.nanoTime()).putInt(len).putInt((int) pid);
        return b;
    }

    private boolean writeWhole(ByteBuffer head, ByteBuffer payload) {
        if (closed || failure != null) {
            return false;
        }
        long before = size;
        try {
            if (payload == null) {
                while (head.hasRemaining()) {
                    size += out.write(head);
                }
            } else {
                gather[0] = head;
                gather[1] = payload;
                gather[2] = crcWord;
                while (crcWord.hasRemaining()) {
                    size += out.write(gather);
                }
            }
            records++;
        } catch (IOException ex) {
            failure = path + ": " + (ex.getMessage() == null ? ex.toString() : ex.getMessage())
                    + "; the log ends at record " + records + ", the recording goes on without it";
            try {
                out.truncate(before); // a reader then finds whole records and the end
            } catch (IOException ignored) {
                // it reads back up to the last whole record anyway
            }
            size = before;
            close();
            return false;
        }
        return true;
    }

    private static byte[] bytes(Object o) {
        return o instanceof byte[] b ? b : String.valueOf(o).getBytes(StandardCharsets.UTF_8);
    }

    private static String hostName() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
