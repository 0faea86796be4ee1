/**
 * The heartbeat (docs/heartbeat.md): the record each CPU's stream carries once a second
 * ({@link org.virtiotrace.core.heartbeat.HeartbeatRecord}, the one place its layout is), the
 * counter both sides see, the writer a pump owns, and the walk the host gives every page to find
 * them ({@link org.virtiotrace.core.heartbeat.BeatWalk}: the shim's, or the Java one). The agent
 * writes them; the collector reads them.
 */
package org.virtiotrace.core.heartbeat;
