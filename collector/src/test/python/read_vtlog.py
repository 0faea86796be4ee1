#!/usr/bin/env python3
"""read_vtlog.py TRACE_EVENTS LOG [--lines]

An independent reader of virtio-trace session logs (virtio-trace record --session FILE), for
tests: a second implementation, written from the published layout (QEMU simpletrace v4, as in
QEMU's trace/simple.c and scripts/simpletrace.py) and NOT from the Java writer, so that a test
can run it over logs the writer produced and compare. Python 3 standard library only.

The layout it reads:
  header   3 x u64: 0xffffffffffffffff, magic 0xf2b177cb0aa429b4, version 4, in the writer's
           byte order (found from the magic: little endian is tried first, then big).
  records  each starts with a u64 record type:
           0 mapping  u64 event id, u32 name length, the name: binds the id to an event name
                      (anywhere in the stream; a later mapping re-binds the id);
           1 event    u64 event id, u64 timestamp ns, u32 length (of the record from the event id
                      on: the 24 bytes of id/timestamp/length/pid plus the arguments), u32 pid,
                      then the arguments in the order the trace-events file declares them:
                      a "const char *" as a u32 length and that many bytes (may be binary), any
                      other type (uint64_t) as a u64. Id 0xfffffffffffffffe is QEMU's dropped
                      event, Dropped_Event(uint64_t num_events_dropped), with no mapping needed.
  TRACE_EVENTS is a trace-events file in QEMU's syntax (name(type arg, ...) "format",
  name(void) "format", # comments, blank lines, optional properties such as "disable" first).

The rules:
  - an event record whose id has no mapping, or whose name the trace-events file does not
    declare, is skipped by its length and counted as unknown;
  - a known event whose declared length disagrees with the arguments parsed is an error: reading
    stops there (the rest cannot be trusted);
  - a record type other than 0 or 1 stops reading (such a record has no length to skip by);
  - a file cut anywhere reads back up to its last whole record; where and why reading stopped
    (byte offset, record index, bytes needed and available) is reported;
  - a file that does not start with the header, or whose header version is not 4, is refused.

Output (stdout), without --lines: one JSON object
  {"byte_order": "little"|"big",
   "records": event records read (known, unknown and dropped ones; mappings not counted),
   "mappings": mapping records read,
   "unknown": event records skipped as unknown,
   "crc_failures": event records whose last argument is named crc (session log format 2 on) and
            does not equal zlib's CRC-32 of the record's bytes from its event id up to the crc,
   "events": {event name: count}                (Dropped_Event included, unknown ones not),
   "data": {"<cpu>": {"bytes": total length of that cpu's vt_data byte strings,
                      "sha256": hex sha256 of their concatenation in file order}},
   "ctl_written": all vt_ctl_write byte strings concatenated, decoded as latin-1,
   "first": the args by name of the first event record if it is vt_session (byte strings
            decoded latin-1, integers as numbers), else null,
   "end": the args by name of the last vt_end record, or null if there is none,
   "cut": null, or one line telling where and why reading stopped early,
   "timestamps_monotonic": true if no event record's timestamp is below the one before it}
With --lines: one line per event record, "INDEX TIMESTAMP NAME arg=value ...", INDEX counting
event records from 0 (mappings are not shown), integers in decimal, byte strings of up to 32
bytes as a double-quoted string with \\n \\t \\r \\\\ \\" and \\xNN escapes for anything not printable
ASCII, longer ones as <N bytes>; an unknown record as "INDEX TIMESTAMP ? id=ID name=NAME|-
length=LENGTH". In both modes a reason for stopping early is also printed on stderr.

Exit status: 0 the whole log was read; 3 the log is cut (a truncated last record; the summary is
still printed); 4 reading stopped at a corrupt record (length disagreeing with the arguments, a
record type other than 0/1; the summary is still printed); 2 the file is not a simpletrace v4
log (nothing printed on stdout), or bad usage / unreadable trace-events file.
"""

import argparse
import hashlib
import json
import mmap
import os
import re
import struct
import zlib
import sys

HEADER_EVENT_ID = 0xFFFFFFFFFFFFFFFF
HEADER_MAGIC = 0xF2B177CB0AA429B4
HEADER_VERSION = 4
DROPPED_EVENT_ID = 0xFFFFFFFFFFFFFFFE
DROPPED_EVENT_NAME = "Dropped_Event"
RECORD_MAPPING = 0
RECORD_EVENT = 1
EVENT_HEADER_LEN = 24  # id, timestamp, length, pid: what an event record's length counts first
LINE_STRING_MAX = 32

EXIT_WHOLE = 0
EXIT_NOT_A_LOG = 2
EXIT_CUT = 3
EXIT_CORRUPT = 4

U64, STR = "u64", "str"


class NotALog(Exception):
    pass


class TraceEventsError(Exception):
    pass


class Stop(Exception):
    """Reading stops at a record: kind is 'cut' (the file ends inside it) or 'corrupt'."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


# ---------------------------------------------------------------------------- trace-events

_EVENT_LINE = re.compile(r'^(?:(?P<props>(?:\w+\s+)*?))(?P<name>\w+)\((?P<args>[^)]*)\)\s*(?P<fmt>".*)?$')
_ARG = re.compile(r"^(?P<type>.*?)(?P<name>\w+)$")


def _arg_kind(ctype):
    """QEMU's rule (tracetool.backend.simple.is_string): a char pointer is a string, all else a u64."""
    t = " ".join(ctype.replace("*", " * ").split())
    return STR if t in ("const char *", "char *") else U64


def read_trace_events(path):
    """{name: [(arg name, 'u64'|'str'), ...]} from a trace-events file in QEMU syntax."""
    events = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = _EVENT_LINE.match(line)
            if not m:
                raise TraceEventsError("%s:%d: not an event declaration: %s" % (path, lineno, line))
            name, argtext = m.group("name"), m.group("args").strip()
            args = []
            if argtext != "void":
                for part in argtext.split(","):
                    part = part.strip()
                    am = _ARG.match(part)
                    if not part or not am or not am.group("type").strip():
                        raise TraceEventsError("%s:%d: bad argument %r in %s" % (path, lineno, part, name))
                    args.append((am.group("name"), _arg_kind(am.group("type"))))
            if name in events:
                raise TraceEventsError("%s:%d: event %s declared twice" % (path, lineno, name))
            events[name] = args
    return events


# ---------------------------------------------------------------------------- the log


class Record:
    __slots__ = ("index", "offset", "timestamp", "pid", "event_id", "name", "length", "args", "known")

    def __init__(self, index, offset, event_id, timestamp, length, pid):
        self.index, self.offset = index, offset
        self.event_id, self.timestamp, self.length, self.pid = event_id, timestamp, length, pid
        self.name, self.args, self.known = None, None, False


class LogReader:
    """Walks a log: read_header(), then records() yields every event Record (mappings are
    applied as they come). Raises NotALog from read_header, Stop from records."""

    def __init__(self, buf, events):
        self.buf = buf  # bytes-like (mmap or bytes)
        self.size = len(buf)
        self.events = dict(events)
        self.events[DROPPED_EVENT_NAME] = [("num_events_dropped", U64)]
        self.names = {}  # event id -> name, from mapping records
        self.byte_order = None
        self.mappings = 0
        self.unknown = 0
        self.crc_failures = 0
        self.pos = 0
        self.file_records = 0  # records of any type read whole

    def read_header(self):
        head = bytes(self.buf[:24])
        for order, fmt in (("little", "<QQQ"), ("big", ">QQQ")):
            if len(head) == 24:
                first, magic, version = struct.unpack(fmt, head)
                if first == HEADER_EVENT_ID and magic == HEADER_MAGIC:
                    if version != HEADER_VERSION:
                        raise NotALog("simpletrace header version %d, only version %d is read"
                                      % (version, HEADER_VERSION))
                    self.byte_order = order
                    self.e = "<" if order == "little" else ">"
                    self.pos = 24
                    return
        if len(head) < 24:
            raise NotALog("%d bytes, shorter than the 24-byte simpletrace header" % len(head))
        raise NotALog("no simpletrace header (u64 0xffffffffffffffff then magic 0x%016x in either"
                      " byte order); the file starts with %s" % (HEADER_MAGIC, head.hex()))

    def _where(self, start, what):
        return "%s at byte %d (record %d of the file counting mappings, event record %d; both from 0)" % (
            what, start, self.file_records, self.event_index)

    def _need(self, start, what, at, n, part):
        """Ensure n bytes at `at`, else stop: the file is cut inside this record."""
        if at + n > self.size:
            raise Stop("cut", "%s is cut: %d bytes needed from byte %d for its %s, %d available (the"
                       " file ends at byte %d)" % (self._where(start, what), n, at, part,
                                                   self.size - at, self.size))

    def records(self):
        e = self.e
        u32, u64 = struct.Struct(e + "I"), struct.Struct(e + "Q")
        ev_head = struct.Struct(e + "QQII")
        buf = self.buf
        self.event_index = 0
        while self.pos < self.size:
            start = self.pos
            self._need(start, "a record", start, 8, "record type")
            (rtype,) = u64.unpack_from(buf, start)
            p = start + 8
            if rtype == RECORD_MAPPING:
                self._need(start, "mapping record", p, 12, "event id and name length")
                (event_id,) = u64.unpack_from(buf, p)
                (nlen,) = u32.unpack_from(buf, p + 8)
                p += 12
                self._need(start, "mapping record (id %d)" % event_id, p, nlen, "name")
                name = bytes(buf[p:p + nlen]).decode("latin-1")
                p += nlen
                self.names[event_id] = name
                self.mappings += 1
                self.pos = p
                self.file_records += 1
            elif rtype == RECORD_EVENT:
                self._need(start, "event record", p, EVENT_HEADER_LEN,
                           "id, timestamp, length and pid")
                event_id, ts, length, pid = ev_head.unpack_from(buf, p)
                rec = Record(self.event_index, start, event_id, ts, length, pid)
                if event_id == DROPPED_EVENT_ID:
                    rec.name = DROPPED_EVENT_NAME
                else:
                    rec.name = self.names.get(event_id)
                what = "event record %s(id %d)" % ("" if rec.name is None else rec.name + " ", event_id)
                if length < EVENT_HEADER_LEN:
                    raise Stop("corrupt", "%s declares length %d, less than the %d bytes of its id,"
                               " timestamp, length and pid" % (self._where(start, what), length,
                                                               EVENT_HEADER_LEN))
                end = p + length  # where the record ends by its length
                if rec.name is not None and rec.name in self.events:
                    rec.args = self._args(start, what, p + EVENT_HEADER_LEN, end,
                                          self.events[rec.name], u32, u64)
                    rec.known = True
                    decl = self.events[rec.name]
                    if decl and decl[-1][0] == "crc" and zlib.crc32(buf[p:end - 8]) != rec.args["crc"]:
                        self.crc_failures += 1
                else:
                    self._need(start, what + (" (unmapped)" if rec.name is None else
                                              " (not in the trace-events file)"),
                               p, length, "declared length")
                    self.unknown += 1
                self.pos = end
                self.file_records += 1
                self.event_index += 1
                yield rec
            else:
                raise Stop("corrupt", "%s: unknown record type %d (only 0 = mapping and 1 = event"
                           " exist; a record of another type has no length to skip it by)"
                           % (self._where(start, "a record"), rtype))

    def _args(self, start, what, p, end, decl, u32, u64):
        """Parse the arguments from p; the record's length says they end at `end`.

        The arguments are parsed as far as the file goes, whatever the length says, so that a
        length field that disagrees with them is told from a file that ends inside the record:
        arguments running past a declared end that lies within the file, or ending anywhere but
        at the declared end, are an error; running past the end of the file while the declared
        end lies beyond it too is a cut."""
        buf, args = self.buf, {}
        declared = end - (start + 8)

        def need(n, part):
            if p + n <= end and p + n <= self.size:
                return
            if end <= self.size:  # so p + n > end: the arguments overrun the declared length
                raise Stop("corrupt", "%s declares length %d but its %s needs %d bytes from byte %d,"
                           " %d left of the declared length"
                           % (self._where(start, what), declared, part, n, p, end - p))
            # The declared end lies beyond the end of the file, and so does this part.
            raise Stop("cut", "%s is cut: %d bytes needed from byte %d (record type and declared"
                       " length %d), %d available (the file ends at byte %d, in its %s)"
                       % (self._where(start, what), end - start, start, declared,
                          self.size - start, self.size, part))

        for name, kind in decl:
            if kind == U64:
                need(8, "argument " + name)
                (args[name],) = u64.unpack_from(buf, p)
                p += 8
            else:
                need(4, "argument %s's length" % name)
                (n,) = u32.unpack_from(buf, p)
                p += 4
                need(n, "argument %s (%d bytes)" % (name, n))
                args[name] = bytes(buf[p:p + n])
                p += n
        if p != end:
            raise Stop("corrupt", "%s declares length %d but its arguments make it %d bytes long"
                       % (self._where(start, what), declared, p - (start + 8)))
        return args


# ---------------------------------------------------------------------------- output


def _text(b):
    return bytes(b).decode("latin-1")


def _show(v):
    if isinstance(v, int):
        return str(v)
    b = bytes(v)
    if len(b) > LINE_STRING_MAX:
        return "<%d bytes>" % len(b)
    out = ['"']
    for c in b:
        ch = chr(c)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        else:
            out.append("\\x%02x" % c)
    out.append('"')
    return "".join(out)


def _plain(args):
    return {k: (v if isinstance(v, int) else _text(v)) for k, v in args.items()}


def main(argv):
    ap = argparse.ArgumentParser(prog="read_vtlog.py", description="Read a virtio-trace session"
                                 " log (QEMU simpletrace v4) and print a JSON summary of it.")
    ap.add_argument("trace_events", metavar="TRACE_EVENTS", help="trace-events file (QEMU syntax)")
    ap.add_argument("log", metavar="LOG", help="the session log")
    ap.add_argument("--lines", action="store_true",
                    help="print one line per event record instead of the summary")
    opts = ap.parse_args(argv)  # exits 2 on bad usage
    try:
        events = read_trace_events(opts.trace_events)
    except (OSError, UnicodeDecodeError, TraceEventsError) as e:
        print("read_vtlog: trace-events: %s" % e, file=sys.stderr)
        return EXIT_NOT_A_LOG
    try:
        f = open(opts.log, "rb")
    except OSError as e:
        print("read_vtlog: %s" % e, file=sys.stderr)
        return EXIT_NOT_A_LOG
    with f:
        size = os.fstat(f.fileno()).st_size
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else b""
        try:
            return _run(LogReader(buf, events), opts.log, opts.lines)
        finally:
            if size > 0:
                buf.close()


def _run(reader, log_path, lines):
    try:
        reader.read_header()
    except NotALog as e:
        print("read_vtlog: %s: not a simpletrace v4 log: %s" % (log_path, e), file=sys.stderr)
        return EXIT_NOT_A_LOG

    counts, data, ctl = {}, {}, []
    first = end = None
    monotonic, last_ts, records = True, None, 0
    stop = None
    out = sys.stdout
    try:
        for rec in reader.records():
            records += 1
            if last_ts is not None and rec.timestamp < last_ts:
                monotonic = False
            last_ts = rec.timestamp
            if lines:
                if rec.known:
                    fields = [str(rec.index), str(rec.timestamp), rec.name]
                    fields += ["%s=%s" % (k, _show(v)) for k, v in rec.args.items()]
                else:
                    fields = [str(rec.index), str(rec.timestamp), "?", "id=%d" % rec.event_id,
                              "name=%s" % (rec.name if rec.name is not None else "-"),
                              "length=%d" % rec.length]
                out.write(" ".join(fields) + "\n")
            if not rec.known:
                continue
            counts[rec.name] = counts.get(rec.name, 0) + 1
            a = rec.args
            if rec.index == 0 and rec.name == "vt_session":
                first = _plain(a)
            if rec.name == "vt_data":
                d = data.setdefault(a["cpu"], [0, hashlib.sha256()])
                d[0] += len(a["bytes"])
                d[1].update(a["bytes"])
            elif rec.name == "vt_ctl_write":
                ctl.append(bytes(a["bytes"]))
            elif rec.name == "vt_end":
                end = _plain(a)
    except Stop as s:
        stop = s
        print("read_vtlog: %s: %s" % (log_path, s.message), file=sys.stderr)

    if not lines:
        summary = {
            "byte_order": reader.byte_order,
            "records": records,
            "mappings": reader.mappings,
            "unknown": reader.unknown,
            "crc_failures": reader.crc_failures,
            "events": dict(sorted(counts.items())),
            "data": {str(cpu): {"bytes": d[0], "sha256": d[1].hexdigest()}
                     for cpu, d in sorted(data.items())},
            "ctl_written": b"".join(ctl).decode("latin-1"),
            "first": first,
            "end": end,
            "cut": stop.message if stop else None,
            "timestamps_monotonic": monotonic,
        }
        json.dump(summary, out, indent=1)
        out.write("\n")
    out.flush()
    if stop is None:
        return EXIT_WHOLE
    return EXIT_CUT if stop.kind == "cut" else EXIT_CORRUPT


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(1)
