package org.virtiotrace.host.session;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One event record as read back.
 *
 * @param index     its place among the event records, from 0
 * @param offset    where it starts in the file (its type word)
 * @param event     what it is, or null for an event this version does not know (args empty)
 * @param name      the name its mapping gave (or "#id" without one)
 * @param timestamp host CLOCK_MONOTONIC ns when it was recorded
 * @param args      {@code Long} for u64, {@code byte[]} for byte strings (or, for data chunks read
 *                  by {@link LogReader#openSkippingData}, a {@code Long}: their length)
 * @param intact    false when its CRC does not match its bytes (format 2 on): it is given as read,
 *                  for the reader to decide what of it to trust (pages still go through the page check)
 */
public record LogRecord(long index, long offset, SessionEvent event, String name, long timestamp, int pid,
                        List<Object> args, boolean intact) {
    public long u64(int i) {
        return (Long) args.get(i);
    }

    public byte[] bytes(int i) {
        return (byte[]) args.get(i);
    }

    /** A byte string's length, read or skipped. */
    public long size(int i) {
        return args.get(i) instanceof byte[] b ? b.length : (Long) args.get(i);
    }

    public String text(int i) {
        return new String(bytes(i), StandardCharsets.UTF_8);
    }

    public boolean is(SessionEvent e) {
        return event == e;
    }
}
