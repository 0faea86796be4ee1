package org.virtiotrace.core.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.ffi.LibraryLoader;

/**
 * Loads libvtshim.so from the class path. The library is unpacked into a private
 * directory because a shared object must be a file to be mapped; the directory
 * honours jffi's own {@code jffi.extract.dir} (NOTES: a noexec /tmp breaks loading).
 */
final class ShimLoader {
    private ShimLoader() {
    }

    static ShimLibrary load() throws IOException {
        String resource = "/org/virtiotrace/shim/linux-" + System.getProperty("os.arch") + "/libvtshim.so";
        Path dir = extractDir();
        Path lib = dir.resolve("libvtshim.so");
        try (InputStream in = ShimLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no native shim for this platform in the jar (" + resource + ")");
            }
            Path tmp = Files.createTempFile(dir, "libvtshim", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        ShimLibrary shim = LibraryLoader.create(ShimLibrary.class).failImmediately().load(lib.toString());
        int abi = shim.vt_abi_version();
        if (abi != ShimLibrary.ABI_VERSION) {
            throw new IOException(lib + " has ABI " + abi + ", expected " + ShimLibrary.ABI_VERSION);
        }
        return shim;
    }

    private static Path extractDir() throws IOException {
        String base = System.getProperty("jffi.extract.dir", System.getProperty("java.io.tmpdir"));
        Path dir = Path.of(base, "trace-agent-" + ProcessHandle.current().pid());
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        dir.toFile().deleteOnExit();
        dir.resolve("libvtshim.so").toFile().deleteOnExit();
        return dir;
    }
}
