package org.virtiotrace.host.replay;

import java.util.List;

/** What a replay prints at its end, and its exit status. */
public record ReplayResult(int exit, List<String> lines) {
}
