package org.virtiotrace.host.tracedat;

/**
 * Which trace.dat a command writes: version 6 (one linear stream, what every trace-cmd since 2.x
 * and KernelShark read; the default) or version 7 (sections, what trace-cmd 3.x writes), whose
 * metadata sections and page data may be compressed with zstd (trace-cmd 3.1.6 in Debian 12 has
 * zstd built in, not zlib).
 *
 * @param version     6 or 7
 * @param compression "zstd", or null for none
 */
public record TraceDatFormat(int version, String compression) {
    public static final TraceDatFormat V6 = new TraceDatFormat(6, null);
    public static final String ZSTD = "zstd";

    public TraceDatFormat {
        if (version != 6 && version != 7) {
            throw new IllegalArgumentException("trace.dat version " + version + ": 6 and 7 are written");
        }
        if (compression != null && !compression.equals(ZSTD)) {
            throw new IllegalArgumentException("compression " + compression + ": zstd is the one trace-cmd 3.1.6 "
                    + "reads (Debian's build has no zlib)");
        }
        if (compression != null && version == 6) {
            throw new IllegalArgumentException("trace.dat version 6 cannot be compressed: compression needs version 7");
        }
    }

    /**
     * What --file-version and --compress ask for (either may be null): compression alone means
     * version 7; neither means {@link #V6}.
     */
    public static TraceDatFormat of(Integer version, String compression) {
        String c = compression == null || compression.equals("none") ? null : compression;
        return new TraceDatFormat(version != null ? version : c != null ? 7 : 6, c);
    }

    public boolean compressed() {
        return compression != null;
    }

    /** For messages: "trace.dat v7, zstd". */
    public String describe() {
        return "trace.dat v" + version + (compressed() ? ", " + compression : "");
    }
}
