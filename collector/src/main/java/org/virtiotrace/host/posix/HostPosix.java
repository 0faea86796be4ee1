package org.virtiotrace.host.posix;

import java.io.FileDescriptor;
import java.io.IOException;
import jnr.constants.platform.Errno;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.util.DefaultPOSIXHandler;

/**
 * The few POSIX calls the host command needs beyond the JDK, through jnr-posix (off the
 * guest agent's start path, where its 350 ms binding cost would matter). Everything above
 * sees IOExceptions that name the path and the errno, never a raw number.
 */
public final class HostPosix {
    private static volatile POSIX posix;

    private HostPosix() {
    }

    private static POSIX posix() {
        POSIX p = posix;
        if (p == null) {
            p = POSIXFactory.getNativePOSIX(new DefaultPOSIXHandler());
            posix = p;
        }
        return p;
    }

    public static void mkfifo(String path, int mode) throws IOException {
        check(posix().mkfifo(path, mode), path, "mkfifo");
        chmod(path, mode); // the umask may have taken bits away
    }

    public static void chmod(String path, int mode) throws IOException {
        check(posix().chmod(path, mode), path, "chmod");
    }

    public static void chown(String path, int uid, int gid) throws IOException {
        check(posix().chown(path, uid, gid), path, "chown");
    }

    /** The gid of a group name, or of a number given as a string. */
    public static int groupId(String group) throws IOException {
        if (group.matches("\\d+")) {
            return Integer.parseInt(group);
        }
        var g = posix().getgrnam(group);
        if (g == null) {
            throw new IOException("no group named '" + group + "' (see getent group)");
        }
        return (int) g.getGID();
    }

    /** True when standard error is a terminal: the progress line is drawn only there. */
    public static boolean stderrIsTerminal() {
        try {
            return posix().isatty(FileDescriptor.err);
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static void check(int rc, String path, String call) throws IOException {
        if (rc < 0) {
            Errno e = Errno.valueOf(posix().errno());
            throw new IOException(path + ": " + e.description() + " [" + e.name() + "] (" + call + ")");
        }
    }
}
