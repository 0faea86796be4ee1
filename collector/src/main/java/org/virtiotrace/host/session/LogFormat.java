package org.virtiotrace.host.session;

/**
 * The session log's frame: QEMU's simpletrace v4 (trace/simple.c), so scripts/simpletrace.py
 * reads it. Everything the layout says is here; docs/session-log.md is its spec.
 */
final class LogFormat {
    /** The header's three u64 words. */
    static final long HEADER_EVENT_ID = 0xffff_ffff_ffff_ffffL;
    static final long HEADER_MAGIC = 0xf2b1_77cb_0aa4_29b4L;
    static final long SIMPLETRACE_VERSION = 4;
    static final int HEADER_BYTES = 24;

    static final long TYPE_MAPPING = 0;
    static final long TYPE_EVENT = 1;
    /** id, timestamp, length, pid: what the length field counts before the arguments. */
    static final int EVENT_HEADER_BYTES = 24;
    /** QEMU's "dropped" pseudo event: one u64, the count. */
    static final long DROPPED_EVENT_ID = 0xffff_ffff_ffff_fffeL;

    /** The first argument of vt_session: tells a reader of a foreign byte order what it has. */
    static final long ENDIAN_MAGIC = 0x0102_0304_0506_0708L;
    /** The session log's own version, in vt_session: what the events mean. */
    static final long FORMAT_VERSION = 2;
    /** From format 2 on, every event record ends with a u64: the CRC-32 (zlib's) of its bytes from the event id on. */
    static final long FIRST_FORMAT_WITH_CRC = 2;
    static final int CRC_BYTES = 8;
    /** The record type word, which the CRC does not cover (it comes before the event id). */
    static final int TYPE_BYTES = 8;
    /** Longer names in a mapping record mean the file is not what it claims. */
    static final int MAX_NAME = 4096;

    private LogFormat() {
    }
}
