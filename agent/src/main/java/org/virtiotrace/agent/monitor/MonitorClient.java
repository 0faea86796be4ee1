package org.virtiotrace.agent.monitor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Asks the running agent over its local socket; every failure is one line naming the socket. */
public final class MonitorClient {
    private final Path socket;

    public MonitorClient(Path socket) {
        this.socket = socket;
    }

    /** Sends one request line; returns the answer's bytes or throws with the agent's error. */
    public byte[] ask(String request) throws MonitorException {
        if (!Files.exists(socket)) {
            throw new MonitorException(MonitorException.Kind.UNREACHABLE, socket + ": No such file or directory; "
                    + "no trace-agent is running here (or it was started with another --socket)");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            String header = readLine(ch);
            if (header.startsWith("error ")) {
                throw new MonitorException(header.substring(6));
            }
            if (header.startsWith("denied ")) {
                throw new MonitorException(MonitorException.Kind.UNREACHABLE, header.substring(7));
            }
            if (!header.startsWith("ok ")) {
                throw new MonitorException(socket + ": unexpected answer '" + header + "'");
            }
            int length = Integer.parseInt(header.substring(3).trim());
            ByteBuffer body = ByteBuffer.allocate(length);
            while (body.hasRemaining()) {
                if (ch.read(body) < 0) {
                    throw new MonitorException(socket + ": the agent closed the connection mid-answer");
                }
            }
            return body.array();
        } catch (SocketException e) {
            throw new MonitorException(MonitorException.Kind.UNREACHABLE,
                    socket + ": " + e.getMessage() + explain(e.getMessage()));
        } catch (IOException | NumberFormatException e) {
            throw new MonitorException(MonitorException.Kind.UNREACHABLE, socket + ": " + e);
        }
    }

    private static String explain(String message) {
        if (message == null) {
            return "";
        }
        if (message.contains("refused")) {
            return "; no trace-agent is running (the socket was left by one that was killed)";
        }
        if (message.contains("ermission")) {
            return "; only root (the agent's user) may use the agent's socket";
        }
        return "";
    }

    private static String readLine(SocketChannel ch) throws IOException, MonitorException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new MonitorException("the agent closed the connection without an answer");
            }
            byte b = one.get(0);
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() > Wire.MAX_LINE) {
                throw new MonitorException("the agent's answer line is too long");
            }
            line.write(b);
        }
    }

    /** True when an agent accepts connections on {@code socket}. */
    static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
