package org.virtiotrace.agent.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes to tracefs files as the kernel wants them (one write, the whole value), turning a
 * refusal into a {@link SetupRefused} that names the file, what was written, and the kernel's
 * reason: for a filter, the parse error the filter file reads back.
 */
final class TracefsWrites {
    private final Path dir;
    private final Restorer restorer;

    /** Writes to a buffer of our own (an instance we remove after): nothing to put back. */
    TracefsWrites(Path dir) {
        this.dir = dir;
        this.restorer = null;
    }

    /** Writes to a borrowed buffer: each file's value is remembered before its first write. */
    TracefsWrites(Restorer restorer) {
        this.dir = restorer.dir();
        this.restorer = restorer;
    }

    Path dir() {
        return dir;
    }

    boolean has(String file) {
        return Files.exists(dir.resolve(file));
    }

    String read(String file) throws SetupRefused {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            throw new SetupRefused(dir.resolve(file) + ": cannot read: " + reason(e));
        }
    }

    /** Replaces the file's value. */
    void set(String file, String value, String what) throws SetupRefused {
        write(file, value, what, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Adds to a list file (set_ftrace_filter and the like) without clearing it. */
    void add(String file, String value, String what) throws SetupRefused {
        write(file, value, what, StandardOpenOption.APPEND);
    }

    private void write(String file, String value, String what, StandardOpenOption mode) throws SetupRefused {
        Path p = dir.resolve(file);
        try {
            if (restorer != null) {
                restorer.remember(file);
            }
            Files.write(p, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw new SetupRefused(what + ": " + p + ": " + reason(e) + explain(p, file));
        }
    }

    /** A filter the kernel refused reads back as the filter, a caret and "parse_error: ...". */
    private static String explain(Path p, String file) {
        if (!file.endsWith("/filter")) {
            return "";
        }
        try {
            for (String line : Files.readAllLines(p)) {
                if (line.startsWith("parse_error:")) {
                    return " (" + line.trim() + ")";
                }
            }
        } catch (IOException e) {
            // the refusal itself is the message
        }
        return "";
    }

    /** What the kernel said (the errno's text), without the path the message already names. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
