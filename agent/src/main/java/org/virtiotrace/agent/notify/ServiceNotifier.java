package org.virtiotrace.agent.notify;

import org.virtiotrace.core.log.Log;
import org.virtiotrace.core.nativeio.Native;
import org.virtiotrace.core.nativeio.NativeException;

/**
 * Tells systemd (Type=notify) what the agent is doing: READY=1 once every trace pipe,
 * port and the control port are open, STATUS= lines as orders come and routes change,
 * STOPPING=1 on SIGTERM. sd_notify(3)'s protocol, sent through the native shim because
 * the JDK has no AF_UNIX datagram socket. Without NOTIFY_SOCKET it does nothing.
 * Safe from any thread: each message is one sendto(2) on a socket of its own.
 */
public final class ServiceNotifier {
    private final Native nat;
    private final String socket;
    private volatile boolean failureReported;

    private ServiceNotifier(Native nat, String socket) {
        this.nat = nat;
        this.socket = socket;
    }

    /** From $NOTIFY_SOCKET, as systemd sets it for Type=notify services. */
    public static ServiceNotifier fromEnvironment(Native nat) {
        String s = System.getenv("NOTIFY_SOCKET");
        return new ServiceNotifier(nat, s == null || s.isEmpty() ? null : s);
    }

    /** One that says nothing: no systemd (tests, a run by hand). */
    public static ServiceNotifier none() {
        return new ServiceNotifier(null, null);
    }

    public boolean isActive() {
        return socket != null;
    }

    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    public void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    private void send(String message) {
        if (socket == null) {
            return;
        }
        try {
            nat.notifySystemd(socket, message);
        } catch (NativeException e) {
            if (!failureReported) {
                failureReported = true;
                Log.warn("%s; systemd will not hear from the agent (NOTIFY_SOCKET)", e.getMessage());
            }
        }
    }
}
