/**
 * The guest agent ({@code trace-agent}): {@link org.virtiotrace.agent.AgentOpener} opens
 * everything up front (each failure one line and an exit status), {@link org.virtiotrace.agent.Agent}
 * runs the pumps, the control thread and the local socket and turns orders into pump modes.
 * Called by the command line only; nothing on the host side uses this module.
 */
package org.virtiotrace.agent;
