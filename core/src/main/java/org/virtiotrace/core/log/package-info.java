/**
 * One line per message on stderr, with journald's priority prefixes under systemd; the
 * program's name on a terminal. Both programs log through it.
 */
package org.virtiotrace.core.log;
