package org.virtiotrace.host;

import org.virtiotrace.core.Version;

/** This build's version as the session log records it and --version prints it. */
public final class VersionText {
    private VersionText() {
    }

    /** "virtio-trace 1.2.3". */
    public static String collector() {
        return "virtio-trace " + Version.number();
    }
}
