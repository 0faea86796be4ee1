package org.virtiotrace.host.record;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.virtiotrace.agent.meta.FileSet;

/** The guest's description as the recording uses it. */
public record Metadata(FileSet files, Properties info, boolean answered, long fetchMs, List<Integer> cpus,
                       int pageSize, ByteOrder order, int longSize) {
    public static Metadata of(FileSet files, Properties info, boolean answered, long fetchMs) {
        List<Integer> cpus = new ArrayList<>();
        String list = info.getProperty("cpus");
        if (list != null) {
            org.virtiotrace.agent.cpu.CpuList.parse(list).stream().forEach(cpus::add);
        }
        int page = Integer.parseInt(info.getProperty("subbuf-size", "0"));
        if (page == 0) {
            page = files.get("events/header_page").map(b -> org.virtiotrace.host.tracedat.TraceDatHeader
                    .from(files, info, 1).pageSize()).orElse(4096);
        }
        return new Metadata(files, info, answered, fetchMs, cpus, page,
                "big".equals(info.getProperty("endian")) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                Integer.parseInt(info.getProperty("long-size", "8")));
    }

    public static Metadata none() {
        return new Metadata(new FileSet(), new Properties(), false, 0, List.of(), 4096, ByteOrder.nativeOrder(),
                8);
    }

    /** An event's type id from its format file ("ID: N"), or -1 when the metadata has no such event. */
    public int eventId(String system, String event) {
        for (String line : text("events/" + system + "/" + event + "/format").split("\n")) {
            if (line.startsWith("ID:")) {
                try {
                    return Integer.parseInt(line.substring(3).strip());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** The agent's name and version from the handshake, or "none". */
    public String agentName() {
        return info.getProperty("agent", answered ? "unnamed" : "none");
    }

    public boolean usable() {
        return files.get("events/header_page").isPresent();
    }

    public String text(String name) {
        return files.get(name).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    }
}
