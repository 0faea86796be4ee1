/**
 * The metadata a reader needs besides the pages: {@link org.virtiotrace.core.meta.FileSet}
 * (named files, how they travel in a reply and lie on disk, as trace-cmd restore reads them) and
 * {@link org.virtiotrace.core.meta.TraceMetadata} (read from this machine's tracefs and /proc:
 * the agent's answers in the guest, the host's own trace with record --host).
 */
package org.virtiotrace.core.meta;
