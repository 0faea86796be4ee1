package org.virtiotrace.host.attach;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtiotrace.core.ports.PortNames;
import org.virtiotrace.host.link.PortLayout;

/**
 * attach and detach for a libvirt domain, whose QEMU monitor belongs to libvirtd: the ports as
 * {@code <channel>} devices, hot-plugged one by one with {@code virsh attach-device --live}. libvirt
 * (9.0) hot-plugs only socket channels ("Hotplug unsupported for char device type 'pipe'") and
 * never a virtio-serial controller, so the domain needs one (virt-install gives its domains one
 * for the guest agent). Each channel carries a user alias {@code ua-vtrace-NAME}, which is how
 * detach finds it; libvirt's live XML says whether the guest opened a channel.
 */
public final class LibvirtChannels {
    /** The start of every alias attach gives a channel (libvirt wants user aliases to start with "ua-"). */
    public static final String ALIAS_PREFIX = "ua-" + PortHotplug.ID_PREFIX;
    private static final Pattern ALIAS = Pattern.compile("<alias name='(" + Pattern.quote(ALIAS_PREFIX) + "[^']*)'/>");
    private static final Duration GONE_WITHIN = Duration.ofSeconds(20);

    private final Virsh virsh;
    private final String domain;

    public LibvirtChannels(Virsh virsh, String domain) {
        this.virsh = virsh;
        this.domain = domain;
    }

    /** The domain's vCPUs now. */
    public int cpus() throws IOException {
        String out = virsh.run("vcpucount", domain, "--live", "--active").trim();
        try {
            return Integer.parseInt(out);
        } catch (NumberFormatException e) {
            throw new IOException("virsh vcpucount " + domain + " said '" + out + "', not a number");
        }
    }

    /**
     * Adds a socket channel per vCPU, then the control port's, last. On any failure, the channels
     * added are taken away again.
     */
    public void attach(PortLayout ports, int cpus) throws IOException {
        String live = checkNotAttached();
        if (!live.contains("<controller type='virtio-serial'")) {
            throw new IOException("domain " + domain + " has no virtio-serial controller, and libvirt cannot hot-plug "
                    + "one: add <controller type='virtio-serial'/> (virsh edit " + domain + ") and start it again once");
        }
        List<String> names = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            names.add(ports.dataName(cpu));
        }
        names.add(ports.ctlName());
        List<String> added = new ArrayList<>();
        Path xml = Files.createTempFile("virtio-trace-channel", ".xml");
        try {
            for (String name : names) {
                Files.writeString(xml, channel(ports.base(name), name));
                virsh.run("attach-device", domain, xml.toString(), "--live");
                added.add(ALIAS_PREFIX + name);
            }
        } catch (IOException | RuntimeException e) {
            for (int i = added.size() - 1; i >= 0; i--) {
                try {
                    virsh.run("detach-device-alias", domain, added.get(i), "--live");
                } catch (IOException undo) {
                    e.addSuppressed(new IOException("taking back " + added.get(i) + " failed too: " + undo.getMessage()));
                }
            }
            throw e;
        } finally {
            Files.deleteIfExists(xml);
        }
    }

    /** Refuses a domain that has channels of an earlier attach; returns its live XML. */
    public String checkNotAttached() throws IOException {
        String live = virsh.run("dumpxml", domain);
        Matcher before = ALIAS.matcher(live);
        if (before.find()) {
            throw new IOException("the ports are attached already (the domain has channel " + before.group(1)
                    + "); 'virtio-trace detach --domain " + domain + "' takes them away");
        }
        return live;
    }

    /** Waits until the guest opens the control port, at most {@code within}; how long, or null. */
    public Duration awaitAgent(PortLayout ports, Duration within) throws IOException {
        Pattern open = Pattern.compile("name='" + Pattern.quote(ports.ctlName()) + "' state='connected'");
        long t0 = System.nanoTime();
        long end = t0 + within.toNanos();
        while (true) {
            if (open.matcher(virsh.run("dumpxml", domain)).find()) {
                return Duration.ofNanos(System.nanoTime() - t0);
            }
            if (System.nanoTime() > end) {
                return null;
            }
            PortHotplug.sleep(250);
        }
    }

    /** Removes every channel attach added, the control port's first; returns their aliases. */
    public List<String> detach() throws IOException {
        List<String> aliases = aliases();
        String control = ALIAS_PREFIX + PortNames.CONTROL;
        aliases.sort((a, b) -> Boolean.compare(!a.equals(control), !b.equals(control)));
        for (String a : aliases) {
            virsh.run("detach-device-alias", domain, a, "--live");
        }
        // libvirt's detach returns once asked; the channel leaves when QEMU says it has
        long end = System.nanoTime() + GONE_WITHIN.toNanos();
        while (!aliases.isEmpty() && !aliases().isEmpty()) {
            if (System.nanoTime() > end) {
                throw new IOException("domain " + domain + " still has " + aliases() + " " + GONE_WITHIN.toSeconds()
                        + " s after virsh detach-device-alias");
            }
            PortHotplug.sleep(100);
        }
        return aliases;
    }

    private List<String> aliases() throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = ALIAS.matcher(virsh.run("dumpxml", domain));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** One port as libvirt's {@code <channel>}: a socket QEMU listens on, as setup --socket prints. */
    static String channel(Path socket, String name) {
        return "<channel type='unix'>\n  <source mode='bind' path='" + attr(socket.toString()) + "'/>\n"
                + "  <target type='virtio' name='" + attr(name) + "'/>\n  <alias name='" + attr(ALIAS_PREFIX + name)
                + "'/>\n</channel>\n";
    }

    private static String attr(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
