package org.virtiotrace.host.replay;

/** What a replay expected, and what happened instead. */
record Mismatch(String expected, String happened) {
}
