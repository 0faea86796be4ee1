package org.virtiotrace.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This build's version, one number for both programs: what --version prints, the handshake says, the session log records. */
public final class Version {
    private static final String NUMBER = load();

    private Version() {
    }

    /** The Maven project version baked into the jar, or "unknown". */
    public static String number() {
        return NUMBER;
    }

    private static String load() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/org/virtiotrace/core/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a jar without it says unknown
        }
        return p.getProperty("version", "unknown");
    }
}
