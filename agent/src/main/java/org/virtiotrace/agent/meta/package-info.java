/**
 * The agent's answers to ?hello, ?meta and ?update, from the shared metadata reader.
 */
package org.virtiotrace.agent.meta;
