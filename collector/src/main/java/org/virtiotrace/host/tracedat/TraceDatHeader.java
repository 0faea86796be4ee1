package org.virtiotrace.host.tracedat;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.virtiotrace.core.meta.FileSet;

/**
 * Everything of a trace.dat but the pages: the guest's byte order, long size and page size,
 * its tracefs metadata, and the options. Built from a metadata {@link FileSet} (as the agent
 * sends it, or as {@code export-meta} wrote it), so a file made from a live guest and one made
 * from a directory are the same.
 *
 * @param cpuCount  CPUs in the file: the highest traced CPU + 1 (untraced ones are empty)
 * @param cpuStats  per CPU, its per_cpu/cpuN/stats text (CPUSTAT options)
 * @param date      wall-clock offset text for a DATE option, or null
 * @param time      the options that put the file on another clock's timeline
 */
public record TraceDatHeader(ByteOrder order, int longSize, int pageSize, byte[] headerPage, byte[] headerEvent,
                             List<byte[]> ftraceFormats, Map<String, List<byte[]>> systemFormats, byte[] kallsyms,
                             byte[] printkFormats, byte[] savedCmdlines, String traceClock, String uname,
                             int cpuCount, Map<Integer, String> cpuStats, String date, TimeOptions time) {

    /** The same header with these timeline options. */
    public TraceDatHeader withTime(TimeOptions t) {
        return new TraceDatHeader(order, longSize, pageSize, headerPage, headerEvent, ftraceFormats, systemFormats,
                kallsyms, printkFormats, savedCmdlines, traceClock, uname, cpuCount, cpuStats, date, t);
    }

    /** Reads the parts of a metadata set; {@code info} is the handshake ({@code key=value}). */
    public static TraceDatHeader from(FileSet meta, java.util.Properties info, int cpuCount) {
        List<byte[]> ftrace = new ArrayList<>();
        Map<String, List<byte[]>> systems = new TreeMap<>();
        Map<Integer, String> stats = new TreeMap<>();
        for (var e : meta.files().entrySet()) {
            String[] parts = e.getKey().split("/");
            if (parts.length == 4 && parts[0].equals("events") && parts[3].equals("format")) {
                if (parts[1].equals("ftrace")) {
                    ftrace.add(e.getValue());
                } else {
                    systems.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(e.getValue());
                }
            } else if (parts.length == 3 && parts[0].equals("per_cpu") && parts[2].equals("stats")
                    && parts[1].startsWith("cpu")) {
                stats.put(Integer.parseInt(parts[1].substring(3)), new String(e.getValue(), StandardCharsets.UTF_8));
            }
        }
        byte[] headerPage = require(meta, "events/header_page");
        int pageSize = Integer.parseInt(info.getProperty("subbuf-size", Integer.toString(pageSizeOf(headerPage))));
        return new TraceDatHeader(
                "big".equals(info.getProperty("endian")) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                Integer.parseInt(info.getProperty("long-size", "8")), pageSize, headerPage,
                require(meta, "events/header_event"), ftrace, systems,
                meta.get("kallsyms").orElse(new byte[0]), meta.get("printk_formats").orElse(new byte[0]),
                meta.get("saved_cmdlines").orElse(new byte[0]),
                meta.text("trace_clock").map(String::trim).orElse(null), info.getProperty("uname"),
                cpuCount, stats, null, TimeOptions.NONE);
    }

    private static byte[] require(FileSet meta, String name) {
        return meta.get(name).orElseThrow(() -> new IllegalArgumentException("the metadata has no " + name));
    }

    /** header_page's data field: offset + size is the sub-buffer size. */
    static int pageSizeOf(byte[] headerPage) {
        for (String l : new String(headerPage, StandardCharsets.UTF_8).split("\n")) {
            if (l.contains(" data;")) {
                return field(l, "offset:") + field(l, "size:");
            }
        }
        return 4096;
    }

    private static int field(String line, String key) {
        int i = line.indexOf(key) + key.length();
        return Integer.parseInt(line.substring(i, line.indexOf(';', i)).trim());
    }
}
