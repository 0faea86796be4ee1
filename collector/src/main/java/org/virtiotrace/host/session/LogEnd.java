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

    /** Read to the end of the file, but records on the way failed their CRC: damaged, whatever else. */
    static LogEnd damagedRecords(long offset, long records, long damaged, String first, boolean sawEnd) {
        return new LogEnd(Kind.DAMAGED, offset, records, damaged + " of " + records + " records are damaged (the first: "
                + first + "); read to the end (" + offset + " bytes)" + (sawEnd ? "" : ", where no end record is"));
    }

    /** This end, also saying that records before it were damaged. */
    LogEnd also(long damaged, String first) {
        return damaged == 0 ? this : new LogEnd(Kind.DAMAGED, offset, records, detail + "; before that, " + damaged
                + " damaged records (the first: " + first + ")");
    }

    static LogEnd cut(long offset, long records, long fileSize) {
        return new LogEnd(Kind.CUT, offset, records, "record " + records + " at byte " + offset
                + " is cut short: the file ends " + (fileSize - offset) + " bytes into it (the recording was killed, "
                + "or the disk filled)");
    }

    /** Whole records to the end of the file, but no vt_end among them: the recording never finished. */
    static LogEnd unfinished(long offset, long records) {
        return new LogEnd(Kind.CUT, offset, records, records + " whole records to byte " + offset
                + ", but no end record: the recording did not finish (it was killed, or the machine stopped)");
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
