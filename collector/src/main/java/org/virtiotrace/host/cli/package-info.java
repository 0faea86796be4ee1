/**
 * The picocli commands: setup, record, sync-report, heartbeat, dump, replay, demo. Each parses,
 * calls the package that does the work, prints its lines and returns an exit status.
 */
package org.virtiotrace.host.cli;
