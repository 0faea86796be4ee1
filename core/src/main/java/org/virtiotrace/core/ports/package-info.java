/**
 * The names both sides agree on without talking: the virtio-serial ports' names and the host
 * ends of a QEMU pipe chardev.
 */
package org.virtiotrace.core.ports;
