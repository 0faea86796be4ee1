/**
 * The session log (docs/session-log.md): QEMU simpletrace v4 of everything that crossed the
 * ports; its writer, its reader (cut and damaged logs), its events and dump.
 */
package org.virtiotrace.host.session;
