/**
 * The agent's side of the heartbeat besides the record (which is in the core): its settings,
 * the host's read and set of the counter, the counter in the log.
 */
package org.virtiotrace.agent.heartbeat;
