/**
 * sd_notify(3) for Type=notify: READY, STATUS, STOPPING, through the shim.
 */
package org.virtiotrace.agent.notify;
