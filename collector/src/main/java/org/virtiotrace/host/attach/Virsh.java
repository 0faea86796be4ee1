package org.virtiotrace.host.attach;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** libvirt's own client, run as a process: the one way to change a domain that libvirtd owns. */
public final class Virsh {
    private static final long TIMEOUT_SECONDS = 120;
    private final String uri;

    /** @param uri libvirt's connection URI, or null for virsh's default (LIBVIRT_DEFAULT_URI, or qemu:///system as root) */
    public Virsh(String uri) {
        this.uri = uri;
    }

    /** Runs {@code virsh ARGS}; its standard output, or an error naming the command and what virsh said. */
    public String run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-q"));
        if (uri != null) {
            cmd.addAll(List.of("-c", uri));
        }
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot run virsh (" + e.getMessage() + "); libvirt's client is in Debian's "
                    + "libvirt-clients", e);
        }
        try {
            // a dumpxml is a few KB: reading both to the end before waiting cannot block virsh
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("virsh " + args[0] + " gave no answer within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                String said = new String(err, StandardCharsets.UTF_8).strip().replace('\n', ' ');
                throw new IOException("virsh " + String.join(" ", args) + ": " + (said.isEmpty() ? "exit "
                        + p.exitValue() : said));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for virsh " + args[0]);
        }
    }
}
