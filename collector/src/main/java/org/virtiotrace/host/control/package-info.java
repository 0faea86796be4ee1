/**
 * Talking to the agent over the control port: the client (orders, requests, replies picked out
 * of the stream), the metadata exchange a recording starts and ends with, the heartbeat read and
 * set. Used by record and the heartbeat command.
 */
package org.virtiotrace.host.control;
