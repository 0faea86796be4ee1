#!/bin/bash
# Builds deb/target/trace-agent_VERSION_ARCH.deb (called by Maven at package).
#
#   build-deb.sh VERSION REPO_ROOT TARGET_DIR
#
# What goes in, and why:
#   /usr/lib/trace-agent/runtime     jlink image of only the modules the agent uses (jdeps says
#                                    java.base, java.logging, jdk.net, jdk.unsupported), with
#                                    the JDK's default CDS archive: no JDK needed on the guest
#   /usr/lib/trace-agent/trace-agent.jar
#                                    the agent; its AppCDS archive (trace-agent.jsa) is made by
#                                    postinst with this runtime, where the jar is installed
#   /usr/lib/trace-agent/trace-agent the launcher (tuned JVM flags); /usr/bin/trace-agent links it
#   /usr/lib/trace-agent/virtio-trace.jar, virtio-trace
#                                    the host-side command and its launcher (/usr/bin/virtio-trace):
#                                    one package serves guests and hosts; it adds java.management
#                                    to the runtime (jnr-posix), which the agent never loads
#   /lib/systemd/system/trace-agent.service, /lib/udev/rules.d/60-trace-agent.rules,
#   /etc/default/trace-agent         from systemd/
#   /usr/share/man/man1/*.1.gz       picocli's generator, then asciidoctor
#   /usr/share/virtio-trace/trace-events
#                                    the session log's events, for QEMU's scripts/simpletrace.py
set -euo pipefail
version=$1
root=$(cd "$2" && pwd)
target=$3
arch=$(dpkg --print-architecture)
stage=$target/stage
lib=$stage/usr/lib/trace-agent
jar=$root/agent/target/trace-agent.jar
host_jar=$root/collector/target/virtio-trace.jar
modules=java.base,java.logging,java.management,jdk.net,jdk.unsupported
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}

rm -rf "$stage"
mkdir -p "$lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/lib/udev/rules.d" \
  "$stage/etc/default" "$stage/usr/share/man/man1" "$stage/usr/share/doc/trace-agent" "$stage/DEBIAN"

# jdeps must agree with the list: a module the agent starts to use is caught here, not in a guest
for j in "$jar" "$host_jar"; do
  needed=$("$java_home/bin/jdeps" --print-module-deps --ignore-missing-deps "$j")
  for m in ${needed//,/ }; do
    case ",$modules," in *",$m,"*) ;; *) echo "build-deb.sh: ${j##*/} now needs module $m: add it to modules=" >&2; exit 1;; esac
  done
done

"$java_home/bin/jlink" --add-modules "$modules" --output "$lib/runtime" --strip-debug --no-header-files \
  --no-man-pages --compress=2 --generate-cds-archive
install -m 0644 "$jar" "$lib/trace-agent.jar"
install -m 0755 "$root/agent/src/main/launcher/trace-agent" "$lib/trace-agent"
ln -s ../lib/trace-agent/trace-agent "$stage/usr/bin/trace-agent"
install -m 0644 "$host_jar" "$lib/virtio-trace.jar"
install -m 0755 "$root/collector/src/main/launcher/virtio-trace" "$lib/virtio-trace"
ln -s ../lib/trace-agent/virtio-trace "$stage/usr/bin/virtio-trace"

# The AppCDS archive is made on the installed system by postinst: JDK 17 accepts a dynamic
# archive only with the class path it was made with (/usr/lib/trace-agent/trace-agent.jar, and
# the jar's mtime), which a build directory cannot have. This run only proves that the
# packaged runtime can make one (it ends with exit 3: no tracefs there, as expected).
training=$target/no-tracefs-during-training
mkdir -p "$training"
set +e
TRACE_AGENT_JAVA_OPTS="-XX:ArchiveClassesAtExit=$target/probe.jsa -Djava.io.tmpdir=$target" \
  JAVA="$lib/runtime/bin/java" "$lib/trace-agent" --tracefs "$training" >/dev/null 2>&1
rc=$?
set -e
if [ $rc -ne 3 ] || [ ! -s "$target/probe.jsa" ]; then
  echo "build-deb.sh: the packaged runtime could not make an AppCDS archive (exit $rc)" >&2
  exit 1
fi
rm -f "$target/probe.jsa"

install -m 0644 "$root/systemd/trace-agent.service" "$stage/lib/systemd/system/"
install -m 0644 "$root/systemd/60-trace-agent.rules" "$stage/lib/udev/rules.d/"
install -m 0644 "$root/systemd/trace-agent.default" "$stage/etc/default/trace-agent"
install -m 0644 "$root/README.md" "$stage/usr/share/doc/trace-agent/README.md"
# the events file with which QEMU's scripts/simpletrace.py reads a session log
install -D -m 0644 "$root/collector/src/main/resources/org/virtiotrace/host/session/trace-events" \
  "$stage/usr/share/virtio-trace/trace-events"
install -m 0644 "$root/deb/src/debian/copyright" "$stage/usr/share/doc/trace-agent/copyright"

for adoc in "$target"/man-adoc/*.adoc; do
  asciidoctor -b manpage -a reproducible -D "$stage/usr/share/man/man1" "$adoc"
done
gzip -9n "$stage"/usr/share/man/man1/*.1

for f in postinst prerm postrm conffiles; do
  install -m 0755 "$root/deb/src/debian/$f" "$stage/DEBIAN/$f"
done
chmod 0644 "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
  "$root/deb/src/debian/control" > "$stage/DEBIAN/control"

find "$stage" -exec touch -h -d @"${SOURCE_DATE_EPOCH:-0}" {} +
deb=$target/trace-agent_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "build-deb.sh: $deb ($(du -h "$deb" | cut -f1); installed ${size} KiB)"
