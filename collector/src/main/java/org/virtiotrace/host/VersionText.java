package org.virtiotrace.host;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This build's version, as --version prints it and the session log records it. */
public final class VersionText {
    private VersionText() {
    }

    /** "virtio-trace 1.2.3": the Maven project version baked into the jar. */
    public static String collector() {
        Properties p = new Properties();
        try (InputStream in = VersionText.class.getResourceAsStream("/org/virtiotrace/host/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a jar without it says unknown
        }
        return "virtio-trace " + p.getProperty("version", "unknown");
    }
}
