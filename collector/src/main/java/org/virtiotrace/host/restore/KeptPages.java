package org.virtiotrace.host.restore;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.host.pages.ChunkRanges;
import org.virtiotrace.host.tracedat.CpuData;

/**
 * The pages a recording left in a directory (record --raw DIR, or FILE.raw kept when the trace.dat
 * could not be written), per CPU: {@code cpuN.raw} as the port gave them, or {@code cpuN.zst}
 * compressed as they came, each with the older half of a --max-size pair ({@code .old}) before it.
 * A file cut short (a full disk) gives its whole pages or chunks.
 */
final class KeptPages {
    static final Pattern STREAM = Pattern.compile("cpu(\\d+)\\.(raw|zst)(\\.old)?");

    private KeptPages() {
    }

    /** Each CPU's pages, by CPU number; empty when the directory holds none. */
    static Map<Integer, CpuData> in(Path dir, int pageSize, ByteOrder order) throws IOException {
        Map<Integer, List<Path>> raw = new TreeMap<>();
        Map<Integer, List<Path>> zst = new TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                Matcher m = STREAM.matcher(p.getFileName().toString());
                if (m.matches()) {
                    List<Path> files = (m.group(2).equals("raw") ? raw : zst)
                            .computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>());
                    files.add(m.group(3) != null ? 0 : files.size(), p); // the older half first
                }
            }
        }
        Map<Integer, CpuData> out = new TreeMap<>();
        for (var e : raw.entrySet()) {
            out.put(e.getKey(), wholePages(e.getValue(), pageSize));
        }
        for (var e : zst.entrySet()) {
            if (out.containsKey(e.getKey())) {
                throw new IOException(dir + ": cpu" + e.getKey() + " has both raw and compressed pages");
            }
            out.put(e.getKey(), ChunkRanges.readBack(e.getValue(), order));
        }
        return out;
    }

    /** The whole pages of {@code files}, one after the other. */
    private static CpuData wholePages(List<Path> files, int pageSize) throws IOException {
        long[] sizes = new long[files.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Files.size(files.get(i)) / pageSize * pageSize;
        }
        return new CpuData() {
            @Override
            public long size() {
                long n = 0;
                for (long s : sizes) {
                    n += s;
                }
                return n;
            }

            @Override
            public void copyTo(WritableByteChannel to) throws IOException {
                for (int i = 0; i < sizes.length; i++) {
                    try (FileChannel in = FileChannel.open(files.get(i), StandardOpenOption.READ)) {
                        CpuData.transfer(in, 0, sizes[i], to, files.get(i).toString());
                    }
                }
            }

            @Override
            public String describe() {
                return files.get(files.size() - 1).toString();
            }
        };
    }
}
