/**
 * The one QEMU guest harness every guest test uses: a busybox guest running the agent built
 * here (one boot, an agent session per check) or a systemd guest with the package installed,
 * both taking commands through the shared directory. Scripts in testkit/src/main/qemu.
 */
package org.virtiotrace.testkit.guest;
