/**
 * The control port's wire format, both directions (docs/control-protocol.md): the orders
 * {@code 1}/{@code 0} and the requests ({@code ?name/id:arg}) the host writes, the parser the
 * agent reads them with, and the framed, checksummed replies the agent writes and the host's
 * scanner picks out of the noise. Pure functions of bytes: the agent's control thread and the
 * collector's control client call them; neither touches a port from here.
 */
package org.virtiotrace.core.wire;
