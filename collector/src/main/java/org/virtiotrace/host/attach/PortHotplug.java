package org.virtiotrace.host.attach;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.link.PortLayout;

/**
 * Gives a running QEMU guest the ports {@code virtio-trace setup} would have given it at boot,
 * and takes them away again, over QMP: a chardev and a {@code virtserialport} per vCPU, then
 * the control port last, since the guest's udev rule starts the agent when the control port
 * appears and the agent expects its data ports then. A guest without a virtio-serial
 * controller (or with a full one) gets one of its own. Everything added carries an id that
 * starts with {@link #ID_PREFIX}, which is how detach finds it, with no state kept on the host.
 */
public final class PortHotplug {
    /** The start of every id attach gives a chardev or a device. */
    public static final String ID_PREFIX = "vtrace-";
    /** The controller attach adds when the guest has none (or no room on it). */
    public static final String CONTROLLER = ID_PREFIX + "serial";
    /** A virtserialport is unplugged without the guest's help: QEMU confirms it at once. */
    private static final Duration PORT_UNPLUG_WITHIN = Duration.ofSeconds(10);
    /** A PCI controller leaves only when the guest's ACPI ejects it: seconds under TCG. */
    private static final Duration CONTROLLER_UNPLUG_WITHIN = Duration.ofSeconds(60);
    /** A virtio-serial controller's ports: port 0 belongs to virtconsole, 511 is QEMU's limit. */
    private static final int MAX_PORTS = 511;

    private final Qmp qmp;

    public PortHotplug(Qmp qmp) {
        this.qmp = qmp;
    }

    /** What attach added: the vCPUs' ports and the control port, on {@code bus}. */
    public record Attached(int cpus, String bus, boolean addedController) {
    }

    /** What detach removed: the ports' names and whether the controller attach had added. */
    public record Detached(List<String> portIds, boolean controller) {
    }

    /** The guest's vCPUs, as QEMU counts them. */
    public int cpus() throws IOException {
        return qmp.list("query-cpus-fast", null).size();
    }

    /**
     * Adds the control port and {@code cpus} data ports for {@code ports} (whose FIFOs exist,
     * or whose socket paths are free). On any failure, what was added is taken away again and
     * the guest is left as it was.
     */
    public Attached attach(PortLayout ports, int cpus) throws IOException {
        if (cpus + 2 > MAX_PORTS) {
            throw new IOException(cpus + " vCPUs need " + (cpus + 1) + " ports; a virtio-serial controller has "
                    + (MAX_PORTS - 1));
        }
        List<String> names = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            names.add(ports.dataName(cpu));
        }
        names.add(ports.ctlName());
        checkNotAttached();
        List<String> chardevs = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        String bus = null;
        boolean controller = false;
        try {
            for (String name : names) {
                String id = ID_PREFIX + name;
                qmp.execute("chardev-add", chardev(ports, name, id));
                chardevs.add(id);
                try {
                    qmp.execute("device_add", port(name, id, bus));
                } catch (QmpException e) {
                    if (controller || !wantsOwnController(e)) {
                        throw portRefused(e, name);
                    }
                    addController(cpus);
                    controller = true;
                    bus = CONTROLLER + ".0";
                    qmp.execute("device_add", port(name, id, bus));
                }
                devices.add(id);
            }
        } catch (IOException | RuntimeException e) {
            rollBack(devices, chardevs, controller, e);
            throw e;
        }
        return new Attached(cpus, bus == null ? "the guest's virtio-serial bus" : bus, controller);
    }

    /**
     * Waits until the guest opens the control port (its agent started), at most {@code within};
     * returns how long it took, or null if it did not happen.
     */
    public Duration awaitAgent(PortLayout ports, Duration within) throws IOException {
        long t0 = System.nanoTime();
        String id = ID_PREFIX + ports.ctlName();
        Map<String, Object> e = qmp.awaitEvent("VSERPORT_CHANGE",
                d -> id.equals(d.get("id")) && Boolean.TRUE.equals(d.get("open")), within);
        return e == null ? null : Duration.ofNanos(System.nanoTime() - t0);
    }

    /**
     * Removes every port attach added, the control port first (the guest's unit stops its
     * agent when that port goes), then their chardevs, then the controller if attach added one.
     */
    public Detached detach() throws IOException {
        List<String> ports = new ArrayList<>();
        boolean controller = false;
        for (Map<String, Object> child : qmp.list("qom-list", Map.of("path", "/machine/peripheral"))) {
            String name = String.valueOf(child.get("name"));
            String type = String.valueOf(child.get("type"));
            if (name.equals(CONTROLLER)) {
                controller = true;
            } else if (name.startsWith(ID_PREFIX) && type.equals("child<virtserialport>")) {
                ports.add(name);
            }
        }
        String control = ID_PREFIX + PortNames.CONTROL;
        ports.sort((a, b) -> Boolean.compare(!a.equals(control), !b.equals(control)));
        for (String id : ports) {
            unplug(id, PORT_UNPLUG_WITHIN);
        }
        for (Map<String, Object> c : qmp.list("query-chardev", null)) {
            String label = String.valueOf(c.get("label"));
            if (label.startsWith(ID_PREFIX)) {
                removeChardev(label);
            }
        }
        if (controller) {
            unplug(CONTROLLER, CONTROLLER_UNPLUG_WITHIN);
        }
        return new Detached(ports, controller);
    }

    private static Map<String, Object> chardev(PortLayout ports, String name, String id) {
        Map<String, Object> backend;
        if (ports.unix()) {
            // QEMU listens, as setup --socket's options say; record connects
            backend = Map.of("type", "socket", "data", Map.of(
                    "addr", Map.of("type", "unix", "data", Map.of("path", ports.base(name).toString())),
                    "server", true, "wait", false));
        } else {
            // QEMU opens NAME.in and NAME.out, as -chardev pipe,path=NAME does
            backend = Map.of("type", "pipe", "data", Map.of("device", ports.base(name).toString()));
        }
        return Map.of("id", id, "backend", backend);
    }

    private static Map<String, Object> port(String name, String id, String bus) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("driver", "virtserialport");
        args.put("id", id);
        args.put("chardev", id);
        args.put("name", name);
        if (bus != null) {
            args.put("bus", bus);
        }
        return args;
    }

    /** No virtio-serial bus in the guest, or no free port on it: a controller of our own helps. */
    private static boolean wantsOwnController(QmpException e) {
        return e.desc().contains("'virtio-serial-bus' bus found") || e.desc().contains("Maximum port limit");
    }

    private static IOException portRefused(QmpException e, String name) {
        if (e.desc().contains("already exists by name")) {
            return new IOException("the guest already has a port named " + name + " (it was started with setup's "
                    + "options?); QEMU: " + e.desc());
        }
        return e;
    }

    /** Refuses a guest that has chardevs or devices of an earlier attach. */
    public void checkNotAttached() throws IOException {
        String before = attachedBefore();
        if (before != null) {
            throw new IOException("the ports are attached already (QEMU has " + before + "); 'virtio-trace detach' "
                    + "takes them away");
        }
    }

    /** A chardev or device an earlier attach left, or null. */
    private String attachedBefore() throws IOException {
        for (Map<String, Object> c : qmp.list("query-chardev", null)) {
            if (String.valueOf(c.get("label")).startsWith(ID_PREFIX)) {
                return "chardev " + c.get("label");
            }
        }
        for (Map<String, Object> child : qmp.list("qom-list", Map.of("path", "/machine/peripheral"))) {
            if (String.valueOf(child.get("name")).startsWith(ID_PREFIX)) {
                return "device " + child.get("name");
            }
        }
        return null;
    }

    private void addController(int cpus) throws IOException {
        try {
            qmp.execute("device_add", Map.of("driver", "virtio-serial-pci", "id", CONTROLLER,
                    "max_ports", Math.max(31, cpus + 2)));
        } catch (QmpException e) {
            throw new IOException("the guest has no virtio-serial controller with room for the ports, and QEMU could "
                    + "not hot-plug one (" + e.desc() + "); a q35 guest needs a free pcie-root-port for it. Start the "
                    + "guest with -device virtio-serial-pci and attach adds only the ports", e);
        }
    }

    /** device_del, then the DEVICE_DELETED that says the device is gone (before or after the reply). */
    private void unplug(String id, Duration within) throws IOException {
        qmp.execute("device_del", Map.of("id", id));
        if (qmp.awaitEvent("DEVICE_DELETED", d -> id.equals(d.get("device")), within) == null) {
            throw new IOException("QEMU did not confirm the removal of " + id + " within " + within.toSeconds() + " s"
                    + (id.equals(CONTROLLER) ? " (a PCI device leaves when the guest ejects it)" : ""));
        }
    }

    /** A chardev is busy until its port's device is finalized, which can come just after DEVICE_DELETED. */
    private void removeChardev(String id) throws IOException {
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (true) {
            try {
                qmp.execute("chardev-remove", Map.of("id", id));
                return;
            } catch (QmpException e) {
                if (!e.desc().contains("busy") || System.nanoTime() > end) {
                    throw e;
                }
                sleep(50);
            }
        }
    }

    private void rollBack(List<String> devices, List<String> chardevs, boolean controller, Exception cause) {
        try {
            for (int i = devices.size() - 1; i >= 0; i--) {
                unplug(devices.get(i), PORT_UNPLUG_WITHIN);
            }
            for (int i = chardevs.size() - 1; i >= 0; i--) {
                removeChardev(chardevs.get(i));
            }
            if (controller) {
                unplug(CONTROLLER, CONTROLLER_UNPLUG_WITHIN);
            }
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(new IOException("taking back what was added failed too: " + e.getMessage(), e));
        }
    }

    /** A short wait between looks at QEMU's or libvirt's state. */
    static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }
}
