package org.virtiotrace.host.session;

/**
 * Where and why reading a log stopped: at the end of the file after a whole record, cut
 * inside a record (the recording was killed, the disk filled, the power went), or at a record
 * that cannot be what it says.
 *
 * @param offset  where the first byte not read as part of a whole record is
 * @param records event records read before it
 */
public record LogEnd(Kind kind, long offset, long records, String detail) {
    public enum Kind { WHOLE, CUT, DAMAGED }

    static LogEnd whole(long offset, long records) {
        return new LogEnd(Kind.WHOLE, offset, records, "");
    }

    static LogEnd cut(long offset, long records, long fileSize) {
        return new LogEnd(Kind.CUT, offset, records, "record " + records + " at byte " + offset
                + " is cut short: the file ends " + (fileSize - offset) + " bytes into it (the recording was killed, "
                + "or the disk filled)");
    }

    static LogEnd damaged(long offset, long records, String why) {
        return new LogEnd(Kind.DAMAGED, offset, records, "record " + records + " at byte " + offset + ": " + why
                + "; reading stops there");
    }

    public boolean whole() {
        return kind == Kind.WHOLE;
    }

    /** One line for the user. */
    public String describe() {
        return kind == Kind.WHOLE ? records + " records, read to the end (" + offset + " bytes)" : detail;
    }
}
