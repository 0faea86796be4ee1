package org.virtiotrace.core.log;

import java.io.PrintStream;

/**
 * One line per message on stderr (never stdout: in -o mode stdout is the trace).
 *
 * <p>Under systemd, stderr is the journal ({@code JOURNAL_STREAM} is set) and each line
 * starts with its syslog priority, {@code <3>} to {@code <7>}, which journald turns into
 * the entry's PRIORITY. On a terminal, lines read like any Unix tool's:
 * {@code trace-agent: warning: ...}.
 */
public final class Log {
    public enum Level {
        ERROR(3, "error: "), WARNING(4, "warning: "), NOTICE(5, ""), INFO(6, ""), DEBUG(7, "debug: ");

        final int priority;
        final String word;

        Level(int priority, String word) {
            this.priority = priority;
            this.word = word;
        }
    }

    private static volatile boolean journal = System.getenv("JOURNAL_STREAM") != null;
    private static volatile boolean verbose;
    private static final PrintStream OUT = System.err;

    private Log() {
    }

    public static void setVerbose(boolean on) {
        verbose = on;
    }

    public static void error(String format, Object... args) {
        log(Level.ERROR, format, args);
    }

    public static void warn(String format, Object... args) {
        log(Level.WARNING, format, args);
    }

    public static void notice(String format, Object... args) {
        log(Level.NOTICE, format, args);
    }

    public static void info(String format, Object... args) {
        log(Level.INFO, format, args);
    }

    public static void debug(String format, Object... args) {
        if (verbose) {
            log(Level.DEBUG, format, args);
        }
    }

    public static boolean isDebug() {
        return verbose;
    }

    static String format(Level level, boolean forJournal, String message) {
        return forJournal ? "<" + level.priority + ">" + message : "trace-agent: " + level.word + message;
    }

    private static void log(Level level, String format, Object... args) {
        String message = args.length == 0 ? format : String.format(format, args);
        // One println per line: concurrent threads never interleave inside a line.
        OUT.println(format(level, journal, message.replace('\n', ' ')));
    }
}
