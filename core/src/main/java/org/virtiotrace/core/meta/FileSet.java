package org.virtiotrace.core.meta;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Named files, in order: how the guest's metadata travels (a {@code ?meta} or {@code ?update}
 * reply's payload) and how it lies on disk ({@code trace-agent export-meta DIR},
 * {@code virtio-trace record --raw DIR}, {@code --meta DIR}). Names are relative paths in
 * tracefs's own layout ({@code events/header_page}, {@code events/sched/sched_switch/format},
 * {@code saved_cmdlines}, {@code per_cpu/cpu0/stats}) plus {@code kallsyms} and
 * {@code virtio-trace.info}, so a directory of them is what {@code trace-cmd restore -t} reads.
 *
 * <p>Encoding (little-endian): u32 count, then per file u16 name length, the UTF-8 name,
 * u32 size, the bytes.
 */
public final class FileSet {
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    public FileSet put(String name, byte[] content) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("..") || name.contains("\0")) {
            throw new IllegalArgumentException("not a relative file name: " + name);
        }
        files.put(name, content);
        return this;
    }

    public FileSet putAll(FileSet other) {
        files.putAll(other.files);
        return this;
    }

    public Optional<byte[]> get(String name) {
        return Optional.ofNullable(files.get(name));
    }

    public Optional<String> text(String name) {
        return get(name).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    public Map<String, byte[]> files() {
        return files;
    }

    public boolean isEmpty() {
        return files.isEmpty();
    }

    public long totalBytes() {
        return files.values().stream().mapToLong(b -> b.length).sum();
    }

    /** The encoding, built in one array of its exact size (metadata is megabytes: no growing copies). */
    public byte[] encode() {
        long size = 4;
        java.util.List<byte[]> names = new java.util.ArrayList<>(files.size());
        for (var e : files.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 2 + name.length + 4 + e.getValue().length;
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(files.size());
        int i = 0;
        for (byte[] content : files.values()) {
            byte[] name = names.get(i++);
            b.putShort((short) name.length).put(name).putInt(content.length).put(content);
        }
        return b.array();
    }

    /** Reads an encoded set; throws with what is wrong when the bytes are not one. */
    public static FileSet decode(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        FileSet set = new FileSet();
        try {
            int count = b.getInt();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[Short.toUnsignedInt(b.getShort())];
                b.get(name);
                int size = b.getInt();
                if (size < 0 || size > b.remaining()) {
                    throw new IOException("file " + i + " claims " + size + " bytes, " + b.remaining() + " remain");
                }
                byte[] content = new byte[size];
                b.get(content);
                set.put(new String(name, StandardCharsets.UTF_8), content);
            }
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new IOException("not a file set: " + e);
        }
        if (b.hasRemaining()) {
            throw new IOException(b.remaining() + " bytes after the last file");
        }
        return set;
    }

    /** Writes every file under {@code dir}, making directories as needed. */
    public void writeTo(Path dir) throws IOException {
        for (var e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
    }

    /** Every regular file under {@code dir} but the page streams (*.raw), named by its relative path. */
    public static FileSet readFrom(Path dir) throws IOException {
        FileSet set = new FileSet();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".raw")).sorted()::iterator) {
                set.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return set;
    }
}
