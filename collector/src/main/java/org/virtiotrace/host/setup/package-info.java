/**
 * {@code virtio-trace setup}: a guest's port FIFOs, and the QEMU options and libvirt XML to
 * give the guest.
 */
package org.virtiotrace.host.setup;
