/**
 * attach and detach: a running QEMU guest's ports added and removed through QEMU's machine
 * protocol (QMP), the same ports setup's options give at boot.
 */
package org.virtiotrace.host.attach;
