/**
 * The agent's control thread: it owns agent-ctl-path, parses orders and requests with the
 * wire format, hands orders to the agent, answers time requests at once and the rest on a
 * worker thread, and writes replies piece by piece without ever delaying an order.
 */
package org.virtiotrace.agent.control;
