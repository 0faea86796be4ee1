package org.virtiotrace.host.session;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a session log back, record by record, as docs/session-log.md says a reader must: the
 * byte order from the header's magic, mapping records wherever they come, events this version
 * does not know skipped by their length, and a file cut anywhere read up to its last whole
 * record, with {@link #end()} saying where it stopped and why.
 */
public final class LogReader implements AutoCloseable {
    private final Path path;
    private final InputStream in;
    private final long fileSize;
    private final ByteOrder order;
    private final Map<Long, String> names = new HashMap<>();
    private final byte[] word = new byte[8];
    private long offset = LogFormat.HEADER_BYTES;
    private long index;
    private long unknown;
    private LogEnd end;
    private LogRecord session;

    private LogReader(Path path, InputStream in, long fileSize, ByteOrder order) {
        this.path = path;
        this.in = in;
        this.fileSize = fileSize;
        this.order = order;
    }

    /** Opens a log: refuses a file that is not one, or one written by a newer version. */
    public static LogReader open(Path path) throws IOException, LogFormatException {
        return open(path, false);
    }

    /**
     * Opens a log whose data chunks ({@code vt_data}, {@code vt_data_stale}) are skipped, not
     * read: their byte string is given as its length ({@link LogRecord#size}). For a first pass
     * over a log that may hold gigabytes of pages.
     */
    public static LogReader openSkippingData(Path path) throws IOException, LogFormatException {
        return open(path, true);
    }

    private static LogReader open(Path path, boolean skipData) throws IOException, LogFormatException {
        long size = Files.size(path);
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 20);
        try {
            byte[] h = in.readNBytes(LogFormat.HEADER_BYTES);
            ByteOrder order = headerOrder(h);
            if (order == null) {
                throw new LogFormatException(path + ": not a session log (no simpletrace header: it starts "
                        + hex(h, Math.min(h.length, 8)) + ")");
            }
            long version = ByteBuffer.wrap(h).order(order).getLong(16);
            if (version != LogFormat.SIMPLETRACE_VERSION) {
                throw new LogFormatException(path + ": a simpletrace file of version " + version
                        + "; session logs are version " + LogFormat.SIMPLETRACE_VERSION);
            }
            LogReader r = new LogReader(path, in, size, order);
            r.skipData = skipData;
            Optional<LogRecord> first = r.next();
            if (first.isPresent() && !first.get().is(SessionEvent.SESSION)) {
                throw new LogFormatException(path + ": a simpletrace file, but not a session log (its first event is "
                        + first.get().name() + ", not vt_session)");
            }
            if (first.isPresent()) {
                LogRecord s = first.get();
                if (s.u64(0) != LogFormat.ENDIAN_MAGIC) {
                    throw new LogFormatException(path + ": vt_session's endian magic reads 0x"
                            + Long.toHexString(s.u64(0)) + "; the file is damaged");
                }
                if (s.u64(1) > LogFormat.FORMAT_VERSION) {
                    throw new LogFormatException(path + ": written by a newer virtio-trace (" + s.text(6)
                            + ", session log format " + s.u64(1) + "); this one reads format "
                            + LogFormat.FORMAT_VERSION + " and older");
                }
                r.session = s;
            }
            r.pending = first.orElse(null);
            return r;
        } catch (IOException | LogFormatException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private LogRecord pending;
    private boolean skipData;

    /** The vt_session record, or null for a log cut before it. */
    public LogRecord session() {
        return session;
    }

    /** The next record; empty at the end of what can be read ({@link #end()} says why). */
    public Optional<LogRecord> next() throws IOException {
        if (pending != null) {
            LogRecord p = pending;
            pending = null;
            return Optional.of(p);
        }
        while (end == null) {
            long start = offset;
            if (offset == fileSize) {
                end = LogEnd.whole(offset, index);
                break;
            }
            try {
                long type = u64();
                if (type == LogFormat.TYPE_MAPPING) {
                    long id = u64();
                    long len = u32();
                    if (len > LogFormat.MAX_NAME) {
                        end = LogEnd.damaged(start, index, "a mapping record with a name of " + len + " bytes");
                        break;
                    }
                    names.put(id, new String(bytes((int) len), StandardCharsets.UTF_8));
                    continue;
                }
                if (type != LogFormat.TYPE_EVENT) {
                    end = LogEnd.damaged(start, index, "record type " + type + " (only 0, mapping, and 1, event, "
                            + "exist; another cannot be skipped: it has no length)");
                    break;
                }
                return Optional.of(event(start));
            } catch (EOFException e) {
                end = LogEnd.cut(start, index, fileSize);
            } catch (Damaged d) {
                end = LogEnd.damaged(start, index, d.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Why reading stopped; null until {@link #next()} has returned empty. */
    public LogEnd end() {
        return end;
    }

    /** Event records skipped because this version does not know them. */
    public long unknownRecords() {
        return unknown;
    }

    public ByteOrder order() {
        return order;
    }

    public Path path() {
        return path;
    }

    private LogRecord event(long start) throws IOException, Damaged {
        long id = u64();
        long ts = u64();
        long len = u32();
        int pid = (int) u32();
        if (len < LogFormat.EVENT_HEADER_BYTES) {
            throw new Damaged("an event record of length " + len + ", shorter than its own header");
        }
        long argsLen = len - LogFormat.EVENT_HEADER_BYTES;
        if (offset + argsLen > fileSize) {
            throw new EOFException();
        }
        String name = names.get(id);
        Optional<SessionEvent> e = name == null ? Optional.empty() : SessionEvent.byName(name);
        long idx = index++;
        if (e.isEmpty()) {
            skip(argsLen);
            unknown++;
            return new LogRecord(idx, start, null, name != null ? name : "#" + id, ts, pid, List.of());
        }
        long argsStart = offset;
        List<Object> args = new ArrayList<>();
        for (SessionEvent.Arg a : e.get().args()) {
            if (offset - argsStart + (a == SessionEvent.Arg.U64 ? 8 : 4) > argsLen) {
                throw new Damaged(name + ": its length " + len + " ends inside argument " + (args.size() + 1));
            }
            if (a == SessionEvent.Arg.U64) {
                args.add(u64());
            } else {
                long n = u32();
                if (offset - argsStart + n > argsLen) {
                    throw new Damaged(name + ": argument " + (args.size() + 1) + " of " + n
                            + " bytes runs past the record's length " + len);
                }
                boolean skip = skipData && (e.get() == SessionEvent.DATA || e.get() == SessionEvent.DATA_STALE);
                if (skip) {
                    skip(n);
                    args.add(n);
                } else {
                    args.add(bytes((int) n));
                }
            }
        }
        if (offset - argsStart != argsLen) {
            throw new Damaged(name + ": its length says " + len + " bytes, its arguments take "
                    + (offset - argsStart + LogFormat.EVENT_HEADER_BYTES));
        }
        return new LogRecord(idx, start, e.get(), name, ts, pid, args);
    }

    private long u64() throws IOException {
        read(word, 8);
        return ByteBuffer.wrap(word).order(order).getLong();
    }

    private long u32() throws IOException {
        read(word, 4);
        return ByteBuffer.wrap(word, 0, 4).order(order).getInt() & 0xffff_ffffL;
    }

    private byte[] bytes(int n) throws IOException {
        byte[] b = new byte[n];
        read(b, n);
        return b;
    }

    private void read(byte[] b, int n) throws IOException {
        int got = in.readNBytes(b, 0, n);
        offset += got;
        if (got < n) {
            throw new EOFException();
        }
    }

    private void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                throw new EOFException();
            }
            left -= s;
            offset += s;
        }
    }

    private static ByteOrder headerOrder(byte[] h) {
        if (h.length < LogFormat.HEADER_BYTES) {
            return null;
        }
        for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer b = ByteBuffer.wrap(h).order(o);
            if (b.getLong(0) == LogFormat.HEADER_EVENT_ID && b.getLong(8) == LogFormat.HEADER_MAGIC) {
                return o;
            }
        }
        return null;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder(n == 0 ? "empty" : "");
        for (int i = 0; i < n; i++) {
            s.append(String.format("%02x", b[i]));
        }
        return n == 0 ? "nothing: the file is empty" : s.toString();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** A record that cannot be what it says: reading stops before it. */
    private static final class Damaged extends Exception {
        Damaged(String message) {
            super(message);
        }
    }
}
