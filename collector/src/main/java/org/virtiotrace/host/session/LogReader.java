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
import java.util.zip.CRC32;

/**
 * Reads a session log back, record by record, as docs/session-log.md says a reader must: the
 * byte order from the header's magic, mapping records wherever they come, events this version
 * does not know skipped by their length, and a file cut anywhere read up to its last whole
 * record, with {@link #end()} saying where it stopped and why.
 */
public final class LogReader implements AutoCloseable {
    private final Path path;
    private final LogInput in;
    private final long fileSize;
    private final ByteOrder order;
    private final Map<Long, String> names = new HashMap<>();
    private long index;
    private long unknown;
    /** Format 1's vt_sync_sample: ten u64s, the probes answered and asked apart. */
    private static final List<SessionEvent.Arg> FORMAT1_SYNC_SAMPLE = java.util.Collections.nCopies(10,
            SessionEvent.Arg.U64);
    private LogEnd end;
    private LogRecord session;
    /** Format 2 and later: each event record ends with its CRC (known once vt_session is read). */
    private boolean checked;
    private long damagedRecords;
    private String firstDamage;

    private LogReader(Path path, InputStream in, long fileSize, ByteOrder order) {
        this.path = path;
        this.in = new LogInput(in, order, LogFormat.HEADER_BYTES);
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
                String what = path + ": a simpletrace file whose first event is " + first.get().name()
                        + ", not vt_session";
                throw r.namesOurEvents() ? LogFormatException.damaged(what + ": a damaged session log")
                        : new LogFormatException(what + ": not a session log");
            }
            if (first.isPresent()) {
                LogRecord s = first.get();
                if (s.u64(0) != LogFormat.ENDIAN_MAGIC) {
                    throw LogFormatException.damaged(path + ": vt_session's endian magic reads 0x"
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
    private boolean sawEnd;

    /** Whether the mapping records read so far name any of the session log's events. */
    private boolean namesOurEvents() {
        return names.values().stream().anyMatch(n -> SessionEvent.byName(n).isPresent());
    }

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
            long start = in.offset();
            if (in.offset() == fileSize) {
                end = damagedRecords > 0 ? LogEnd.damagedRecords(start, index, damagedRecords, firstDamage, sawEnd)
                        : sawEnd ? LogEnd.whole(start, index) : LogEnd.unfinished(start, index);
                break;
            }
            try {
                long type = in.u64();
                if (type == LogFormat.TYPE_MAPPING) {
                    long id = in.u64();
                    long len = in.u32();
                    if (len > LogFormat.MAX_NAME) {
                        end = LogEnd.damaged(start, index, "a mapping record with a name of " + len + " bytes");
                        break;
                    }
                    names.put(id, new String(in.bytes((int) len), StandardCharsets.UTF_8));
                    continue;
                }
                if (type != LogFormat.TYPE_EVENT) {
                    end = LogEnd.damaged(start, index, "record type " + type + " (only 0, mapping, and 1, event, "
                            + "exist; another cannot be skipped: it has no length)");
                    break;
                }
                return Optional.of(event(start));
            } catch (EOFException e) {
                end = LogEnd.cut(start, index, fileSize).also(damagedRecords, firstDamage);
            } catch (Damaged d) {
                end = LogEnd.damaged(start, index, d.getMessage()).also(damagedRecords, firstDamage);
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

    /** Event records whose CRC did not match (or, in a checked log, whose event this version does not know). */
    public long damagedRecords() {
        return damagedRecords;
    }

    private LogRecord event(long start) throws IOException, Damaged {
        in.beginSum();
        long id = in.u64();
        long ts = in.u64();
        long len = in.u32();
        int pid = (int) in.u32();
        if (len < LogFormat.EVENT_HEADER_BYTES) {
            throw new Damaged("an event record of length " + len + ", shorter than its own header");
        }
        long argsLen = len - LogFormat.EVENT_HEADER_BYTES;
        if (in.offset() + argsLen > fileSize) {
            throw new EOFException();
        }
        String name = names.get(id);
        Optional<SessionEvent> e = name == null ? Optional.empty() : SessionEvent.byName(name);
        long idx = index++;
        if (e.isEmpty()) {
            String shown = name != null ? name : "#" + id;
            boolean intact = true;
            if (checked && argsLen >= LogFormat.CRC_BYTES) {
                // read, not skipped: only its CRC tells an event of another writer from a damaged id
                byte[] piece = new byte[64 << 10];
                for (long left = argsLen - LogFormat.CRC_BYTES; left > 0; ) {
                    int n = (int) Math.min(piece.length, left);
                    in.read(piece, n);
                    left -= n;
                }
                long sum = in.endSum();
                intact = in.u64() == sum;
            } else {
                in.skip(argsLen);
                intact = !checked;
            }
            in.endSum();
            if (intact) {
                unknown++;
            } else {
                damaged(idx, start, shown + ", an event this version does not know, whose CRC does not match");
            }
            return new LogRecord(idx, start, null, shown, ts, pid, List.of(), intact);
        }
        long argsStart = in.offset();
        List<Object> args = new ArrayList<>();
        boolean format1Sync = e.get() == SessionEvent.SYNC_SAMPLE && !checked;
        for (SessionEvent.Arg a : format1Sync ? FORMAT1_SYNC_SAMPLE : e.get().args()) {
            if (in.offset() - argsStart + (a == SessionEvent.Arg.U64 ? 8 : 4) > argsLen) {
                throw new Damaged(name + ": its length " + len + " ends inside argument " + (args.size() + 1));
            }
            if (a == SessionEvent.Arg.U64) {
                args.add(in.u64());
            } else {
                long n = in.u32();
                if (in.offset() - argsStart + n > argsLen) {
                    throw new Damaged(name + ": argument " + (args.size() + 1) + " of " + n
                            + " bytes runs past the record's length " + len);
                }
                boolean skip = skipData && (e.get() == SessionEvent.DATA || e.get() == SessionEvent.DATA_STALE);
                if (skip) {
                    in.skip(n); // not summed: a first pass over the pages; the full read checks them
                    args.add(n);
                } else {
                    args.add(in.bytes((int) n));
                }
            }
        }
        long trailer = argsLen - (in.offset() - argsStart);
        if (idx == 0 && e.get() == SessionEvent.SESSION && trailer == LogFormat.CRC_BYTES) {
            checked = true; // format 2 on: vt_session, like every record after it, ends with its CRC
        }
        if (trailer != (checked ? LogFormat.CRC_BYTES : 0)) {
            throw new Damaged(name + ": its length says " + len + " bytes, its arguments take "
                    + (in.offset() - argsStart + LogFormat.EVENT_HEADER_BYTES) + (checked ? " and its CRC 8" : ""));
        }
        if (e.get() == SessionEvent.SYNC_SAMPLE && !format1Sync) {
            long probes = (Long) args.remove(args.size() - 1); // read as format 1 had them: answered, asked
            args.add(probes >>> 32);
            args.add(probes & 0xffff_ffffL);
        }
        boolean intact = true;
        if (checked) {
            boolean whole = in.summed();
            long sum = in.endSum();
            long stored = in.u64();
            if (whole && stored != sum) {
                intact = false;
                damaged(idx, start, name + ", whose CRC does not match its bytes");
            }
        }
        in.endSum();
        sawEnd |= e.get() == SessionEvent.END && intact;
        return new LogRecord(idx, start, e.get(), name, ts, pid, args, intact);
    }

    private void damaged(long idx, long start, String what) {
        if (damagedRecords++ == 0) {
            firstDamage = "record " + idx + " at byte " + start + " (" + what + ")";
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
