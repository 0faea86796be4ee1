/**
 * The agent's picocli commands: the agent itself, status, ringbuf-read, ringbuf-dump,
 * export-meta; exit statuses in {@link org.virtiotrace.agent.ExitCodes}.
 */
package org.virtiotrace.agent.cli;
