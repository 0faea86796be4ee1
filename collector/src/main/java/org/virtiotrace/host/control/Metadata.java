package org.virtiotrace.host.control;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.virtiotrace.core.cpu.CpuList;
import org.virtiotrace.core.meta.FileSet;
import org.virtiotrace.core.page.PageFormat;
import org.virtiotrace.host.tracedat.TraceDatHeader;

/**
 * The guest's description as a recording (or a replay of one) uses it: its metadata files, its
 * handshake, and what follows from them: its CPUs and how its kernel lays out a page.
 */
public record Metadata(FileSet files, Properties info, boolean answered, long fetchMs, List<Integer> cpus,
                       PageFormat format) {
    public static Metadata of(FileSet files, Properties info, boolean answered, long fetchMs) {
        List<Integer> cpus = new ArrayList<>();
        String list = info.getProperty("cpus");
        if (list != null) {
            CpuList.parse(list).stream().forEach(cpus::add);
        }
        int page = Integer.parseInt(info.getProperty("subbuf-size", "0"));
        if (page == 0) {
            page = files.get("events/header_page").map(b -> TraceDatHeader.from(files, info, 1).pageSize())
                    .orElse(4096);
        }
        return new Metadata(files, info, answered, fetchMs, cpus, new PageFormat(page,
                "big".equals(info.getProperty("endian")) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                Integer.parseInt(info.getProperty("long-size", "8"))));
    }

    public static Metadata none() {
        return new Metadata(new FileSet(), new Properties(), false, 0, List.of(), PageFormat.local(4096));
    }

    public int pageSize() {
        return format.pageSize();
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

    /**
     * What the handshake says the guest traces, when that is nothing ("no event enabled, tracer
     * nop"); null when it traces something or the agent does not say (older agents).
     */
    public String tracesNothing() {
        String events = info.getProperty("enabled-events");
        String tracer = info.getProperty("tracer", "nop");
        return "0".equals(events) && tracer.equals("nop") ? "no event enabled, tracer nop" : null;
    }

    /** True when a trace.dat can be made: the page and event headers are there. */
    public boolean usable() {
        return files.get("events/header_page").isPresent();
    }

    public String text(String name) {
        return files.get(name).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    }
}
