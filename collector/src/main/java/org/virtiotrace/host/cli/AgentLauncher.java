package org.virtiotrace.host.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the guest agent's launcher is, for {@code demo}, which runs the agent as a guest runs it:
 * a process of its own. Installed, it is beside this command's jar (/usr/lib/trace-agent/); in a
 * build tree, the one the agent module made (agent/target/trace-agent).
 */
final class AgentLauncher {
    private AgentLauncher() {
    }

    /** The launcher to run, or empty with {@code looked} naming the places tried. */
    static Optional<Path> find(List<Path> looked) {
        for (Path p : candidates()) {
            looked.add(p);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        try {
            Path jar = Path.of(AgentLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar.getParent() : jar.toAbsolutePath().getParent();
            out.add(dir.resolve("trace-agent"));
            out.add(dir.resolve("../../agent/target/trace-agent").normalize());
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // no code source: only the PATH is left
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty()) {
                out.add(Path.of(d, "trace-agent"));
            }
        }
        return out;
    }
}
