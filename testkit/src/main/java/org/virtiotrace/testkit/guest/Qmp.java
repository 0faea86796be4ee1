package org.virtiotrace.testkit.guest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One QMP command to a QEMU's monitor socket: connect, negotiate, send, read the reply. */
final class Qmp {
    private Qmp() {
    }

    /** Returns QEMU's reply line to {@code json} (events before it are skipped). */
    static String send(Path socket, String json) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            OutputStream out = Channels.newOutputStream(ch);
            in.readLine(); // the greeting
            reply(in, out, "{\"execute\":\"qmp_capabilities\"}");
            return reply(in, out, json);
        }
    }

    private static String reply(BufferedReader in, OutputStream out, String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.contains("\"return\"") || line.contains("\"error\"")) {
                return line;
            }
        }
        throw new IOException("QMP closed the connection after " + json);
    }
}
