package org.virtiotrace.host.hosttrace;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which QEMU serves a guest's ports, and the host thread of each of its vCPUs, for the host
 * file's GUEST option (trace-cmd maps a vCPU thread's kvm events to the guest with it). QEMU
 * holds a pipe chardev's FIFOs open by path, a socket chardev's unix socket by inode (its path is
 * in /proc/net/unix). It names its vCPU threads "CPU N/KVM" or "CPU N/TCG" (single-threaded TCG:
 * "ALL CPUs/TCG") only when started with {@code -name ...,debug-threads=on}, as libvirt starts
 * it; without that every thread is "qemu-system-..." and the vCPUs cannot be told apart.
 */
public final class QemuThreads {
    private static final Pattern VCPU = Pattern.compile("CPU (\\d+)/\\w+");

    private QemuThreads() {
    }

    /** The QEMU process holding a file of {@code portDir} open (its pipe or socket chardevs), if one does. */
    public static Optional<Long> holderOf(Path portDir) {
        Path dir = real(portDir);
        Set<String> sockets = socketsUnder(dir);
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid != self && isQemu(proc) && holds(proc.resolve("fd"), dir, sockets)) {
                    return Optional.of(pid);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The directory as QEMU's open files name it: a symlinked port directory resolved. */
    private static Path real(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    private static boolean isQemu(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).startsWith("qemu");
        } catch (IOException e) {
            return false;
        }
    }

    /** "socket:[INODE]" of every unix socket bound under {@code dir} (/proc/net/unix: ... Inode Path). */
    private static Set<String> socketsUnder(Path dir) {
        Set<String> out = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 8 && Path.of(f[7]).startsWith(dir)) {
                    out.add("socket:[" + f[6] + "]");
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc/net/unix: pipes are still found by path
        }
        return out;
    }

    private static boolean holds(Path fds, Path dir, Set<String> sockets) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(fds)) {
            for (Path fd : s) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(dir) || sockets.contains(target.toString())) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return false; // gone, or not ours to look at
        }
        return false;
    }

    /** vCPU index to host thread id, in vCPU order; empty when the threads are not named as QEMU names them. */
    public static List<Integer> vcpuThreads(long pid, int vcpus) {
        TreeMap<Integer, Integer> byVcpu = new TreeMap<>();
        Integer all = null;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String comm = Files.readString(task.resolve("comm")).strip();
                int tid = Integer.parseInt(task.getFileName().toString());
                Matcher m = VCPU.matcher(comm);
                if (m.matches()) {
                    byVcpu.put(Integer.parseInt(m.group(1)), tid);
                } else if (comm.startsWith("ALL CPUs/")) {
                    all = tid;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (int v = 0; v < vcpus; v++) {
            Integer tid = byVcpu.getOrDefault(v, all);
            if (tid == null) {
                return List.of();
            }
            out.add(tid);
        }
        return out;
    }
}
