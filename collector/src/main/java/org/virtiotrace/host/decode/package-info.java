/**
 * The demo's fallback reader of pages when trace-cmd is not installed: names and times of
 * events, through the core's page walker. trace-cmd stays the reference reader.
 */
package org.virtiotrace.host.decode;
