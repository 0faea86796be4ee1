package org.virtiotrace.agent.heartbeat;

import org.virtiotrace.core.heartbeat.HeartbeatRecord;

/**
 * The agent's heartbeat settings (docs/heartbeat.md).
 *
 * @param inStreams  each pump writes a heartbeat record into its CPU's stream once a second while tracing
 * @param id         the records' raw_data id
 * @param logSeconds the counter and per-CPU progress go to the log this often (0: never)
 */
public record HeartbeatConfig(boolean inStreams, int id, int logSeconds) {
    public static final HeartbeatConfig DEFAULT = new HeartbeatConfig(true, HeartbeatRecord.DEFAULT_ID, 0);
}
