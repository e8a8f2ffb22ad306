#!/usr/bin/env python3
"""Helpers for capture.sh. Nothing here parses a protocol's framing itself.

  split PCAP STREAM SERVERPORT OUTPREFIX
      Writes OUTPREFIX.client.bin and OUTPREFIX.server.bin: the bytes of one TCP
      connection (tshark's "follow,tcp,raw"), one file per direction. Fails if
      tshark saw a lost segment in that connection.

  frames PCAP STREAM SERVERPORT DIRECTION PROTOCOL DECODEAS OUT.frames.txt
      Runs tshark's own dissector (decoded as DECODEAS on SERVERPORT) over one
      direction of one connection and writes one line per frame with the fields
      the dissector reports (len=... as on the wire). Prints a JSON summary:
      frames, skip (bytes of the leading messages that have no frame header,
      e.g. PostgreSQL's SSLRequest and StartupMessage), covered (bytes the
      dissector accounted for).

  entry KEY=VALUE...        Writes one manifest entry (JSON) to the file named by out=.
  manifest DIR ENTRY...     Merges entries into DIR/manifest.json (keeps others).

  spec kafka|mongodb OUTDIR Builds a Kafka or MongoDB stream from the protocol
      spec (no Debian server exists), writes OUTDIR/<p>.client.bin and
      .server.bin, and prints the messages' lengths.
  replay CLIENT.bin SERVER.bin PORT LENGTHS.json
      Plays a built stream over a real loopback TCP connection (request, then
      response, in turn) so that tshark can dissect it like a capture.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zlib
import re

LONG_ATTR = re.compile(rb'(show|value)="[^"]{256,}"')

# Per protocol: the element that holds one frame (a tshark protocol layer, or
# a field subtree when one layer holds several frames), and which tshark
# fields give each name=value of the .frames.txt line. A frame without the
# "key" field is an unframed message (counted into skip), allowed only before
# the first frame.
SPECS = {
    "tls": {"elem": ("field", "tls.record"), "key": "len",
            "fields": [("len", ["tls.record.length"]),
                       ("type", ["tls.record.content_type", "tls.record.opaque_type"]),
                       ("version", ["tls.record.version"])]},
    "postgres": {"elem": ("proto", "pgsql"), "key": "type",
                 "fields": [("len", ["pgsql.length"]), ("type", ["pgsql.type"])]},
    "http2": {"elem": ("field", "http2.stream"), "key": "len",
              "fields": [("len", ["http2.length"]), ("type", ["http2.type"]),
                         ("flags", ["http2.flags"]), ("stream", ["http2.streamid"])]},
    "mqtt": {"elem": ("proto", "mqtt"), "key": "len",
             "fields": [("len", ["mqtt.len"]), ("header", ["mqtt.hdrflags"])]},
    "amqp": {"elem": ("proto", "amqp"), "key": "len",
             "fields": [("len", ["amqp.length"]), ("type", ["amqp.type"]),
                        ("channel", ["amqp.channel"])]},
    "mysql": {"elem": ("proto", "mysql"), "key": "len",
              "fields": [("len", ["mysql.packet_length"]), ("seq", ["mysql.packet_number"])]},
    # One rpc layer is one record, which may hold several fragments (each a frame here):
    # every fraglen/lastfrag pair in it is one frame of 4 + fraglen bytes.
    "rpc": {"elem": ("proto", "rpc"), "key": "len", "multi": 4, "under": ["text"],
            "fields": [("len", ["rpc.fraglen"]), ("last", ["rpc.lastfrag"])]},
    "dns": {"elem": ("proto", "dns"), "key": "len", "fields": [("len", ["dns.length"])]},
    "smb2": {"elem": ("proto", "nbss"), "key": "len", "fields": [("len", ["nbss.length"])]},
    # tshark's tpkt layer spans only the 4-byte header (COTP follows as its own layer);
    # the length field counts the whole packet, so that is the frame's size.
    "tpkt": {"elem": ("proto", "tpkt"), "key": "len", "size_is_len": True,
             "fields": [("len", ["tpkt.length"]), ("version", ["tpkt.version"])]},
    "kafka": {"elem": ("proto", "kafka"), "key": "len", "fields": [("len", ["kafka.len"])]},
    "mongodb": {"elem": ("proto", "mongo"), "key": "len",
                "fields": [("len", ["mongo.message_length"]), ("requestid", ["mongo.request_id"]),
                           ("responseto", ["mongo.response_to"]), ("opcode", ["mongo.opcode"])]},
}


def die(msg):
    sys.stderr.write("tools.py: " + msg + "\n")
    sys.exit(1)


def tshark(args):
    return subprocess.run(["tshark", "-n", "-o", "tcp.desegment_tcp_streams:TRUE"] + args,
                          check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def cmd_split(pcap, stream, server_port, prefix):
    lost = tshark(["-r", pcap, "-Y", "tcp.stream==%s && (tcp.analysis.lost_segment || "
                   "tcp.analysis.ack_lost_segment)" % stream, "-T", "fields", "-e", "frame.number"])
    if lost.stdout.strip():
        die("%s: tshark saw lost segments in stream %s: %s" % (pcap, stream, lost.stdout[:200]))
    # The capture must hold the end of both directions (FIN or RST from each side),
    # so that a capture stopped too early cannot pass for a short session.
    ends = tshark(["-r", pcap, "-Y", "tcp.stream==%s && (tcp.flags.fin==1 || tcp.flags.reset==1)" % stream,
                   "-T", "fields", "-e", "tcp.srcport"]).stdout.split()
    if len(set(ends)) != 2:
        die("%s: stream %s: the capture does not hold both directions' ends" % (pcap, stream))
    out = tshark(["-r", pcap, "-q", "-z", "follow,tcp,raw,%s" % stream]).stdout.decode()
    nodes, data = {}, {0: bytearray(), 1: bytearray()}
    for line in out.splitlines():
        if line.startswith("Node 0:") or line.startswith("Node 1:"):
            nodes[int(line[5])] = int(line.rsplit(":", 1)[1])
        elif nodes and line.strip() and not line.startswith("=") and not line.startswith(("Follow", "Filter")):
            node = 1 if line.startswith("\t") else 0
            data[node] += bytes.fromhex(line.strip())
    if len(nodes) != 2:
        die("%s: no stream %s" % (pcap, stream))
    server = 0 if nodes[0] == int(server_port) else 1
    with open(prefix + ".server.bin", "wb") as f:
        f.write(data[server])
    with open(prefix + ".client.bin", "wb") as f:
        f.write(data[1 - server])
    print(json.dumps({"client": len(data[1 - server]), "server": len(data[server])}))


def field_value(el, name):
    if name == "pgsql.type":  # a string field: the type byte itself, as a character
        if el.get("size") == "0":  # SSLRequest, StartupMessage: tshark names them, no byte
            return None
        return chr(int(el.get("value"), 16))
    show = el.get("show")
    if show in ("True", "False"):
        return 1 if show == "True" else 0
    return int(show, 0)


def first_field(elem, names):
    for name in names:
        for f in elem.iter("field"):
            if f.get("name") == name:
                return field_value(f, name)
    return None


def cmd_frames(pcap, stream, server_port, direction, protocol, decode_as, out):
    spec = SPECS[protocol]
    port_field = "tcp.srcport" if direction == "server" else "tcp.dstport"
    args = ["-r", pcap, "-Y", "tcp.stream==%s && %s==%s" % (stream, port_field, server_port),
            "-T", "pdml"]
    # Only the layer and the fields we read: a full PDML of a 16 MiB message takes minutes.
    kind, name = spec["elem"]
    keep = [name.split(".")[0], name] + spec.get("under", []) + [f for _, names in spec["fields"] for f in names]
    args += ["-j", " ".join(dict.fromkeys(keep))]
    if decode_as:
        args = ["-d", "tcp.port==%s,%s" % (server_port, decode_as)] + args
    proc = subprocess.Popen(["tshark", "-n"] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines, skip, covered, framed = [], 0, 0, False
    parser = ET.XMLPullParser(events=("end",))
    for raw in proc.stdout:
        # Payload fields of a big message are megabytes of hex on one line, which the XML
        # parser digests in quadratic time; none of them is read here.
        if len(raw) > 4096:
            raw = LONG_ATTR.sub(b'\\1=""', raw)
        parser.feed(raw)
        for _, el in parser.read_events():
            if el.tag != "packet":
                continue
            for item in el.iter(kind):
                if item.get("name") != name:
                    continue
                if "multi" in spec:
                    cols = [[field_value(f, n) for f in item.iter("field") if f.get("name") == n]
                            for _, names in spec["fields"] for n in names[:1]]
                    for row in zip(*cols):
                        framed = True
                        covered += spec["multi"] + row[0]
                        lines.append(" ".join("%s=%s" % (k, v) for (k, _), v in zip(spec["fields"], row)))
                    continue
                vals = [(k, first_field(item, names)) for k, names in spec["fields"]]
                size = int(item.get("size"))
                d = dict(vals)
                if spec.get("size_is_len") and d.get("len") is not None:
                    size = d["len"]
                if d.get(spec["key"]) is None:
                    if framed:
                        die("%s: unframed message after a frame at frame %d" % (protocol, len(lines) + 1))
                    skip += size
                    covered += size
                    continue
                framed = True
                covered += size
                lines.append(" ".join("%s=%s" % (k, v) for k, v in vals if v is not None))
            el.clear()
    if proc.wait() != 0:
        die("tshark failed")
    with open(out, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    print(json.dumps({"frames": len(lines), "skip": skip, "covered": covered}))


def cmd_entry(pairs):
    e = {}
    for p in pairs:
        k, v = p.split("=", 1)
        e[k] = int(v) if k in ("skip", "frames", "bytes") else v
    out = e.pop("out")
    with open(out, "w") as f:
        json.dump(e, f)


ORDER = ["dns", "tls", "postgres", "http2", "mqtt", "amqp", "smb2", "mysql", "kafka", "mongodb",
         "tpkt", "rpc"]


def cmd_manifest(outdir, entries):
    path = os.path.join(outdir, "manifest.json")
    have = {}
    if os.path.exists(path):
        with open(path) as f:
            have = {e["file"]: e for e in json.load(f)}
    for p in entries:
        with open(p) as f:
            e = json.load(f)
        have[e["file"]] = e
    keys = ["file", "protocol", "direction", "skip", "frames", "bytes", "source", "server",
            "client", "check", "notes"]
    rows = sorted(have.values(), key=lambda e: (ORDER.index(e["protocol"]), e["direction"]))
    rows = [{k: e[k] for k in keys if k in e} for e in rows]
    with open(path, "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")


# ---- Kafka, from the protocol guide (kafka.apache.org/protocol): every
# request and response is INT32 size followed by that many bytes.

def kstr(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def karray(items):
    return struct.pack(">i", len(items)) + b"".join(items)


def kafka_messages():
    client_id = "framekit-capture"
    reqs, resps = [], []

    def req(api_key, version, corr, body):
        reqs.append(struct.pack(">hhi", api_key, version, corr) + kstr(client_id) + body)

    def resp(corr, body):
        resps.append(struct.pack(">i", corr) + body)

    # ApiVersions v0 (key 18): empty request; response lists supported ranges.
    req(18, 0, 1, b"")
    ranges = [(0, 0, 8), (1, 0, 11), (3, 0, 9), (18, 0, 3)]
    resp(1, struct.pack(">h", 0) + karray([struct.pack(">hhh", *r) for r in ranges]))
    # Metadata v0 (key 3): one topic.
    req(3, 0, 2, karray([kstr("frames")]))
    broker = struct.pack(">i", 1) + kstr("127.0.0.1") + struct.pack(">i", 9092)
    part = struct.pack(">hii", 0, 0, 1) + karray([struct.pack(">i", 1)]) + karray([struct.pack(">i", 1)])
    topic = struct.pack(">h", 0) + kstr("frames") + karray([part])
    resp(2, karray([broker]) + karray([topic]))
    # Produce v0 (key 0): a message set of three v0 messages, one of 70000 bytes.
    msgset = b""
    for i, value in enumerate([b"first", b"x" * 70000, b"third"]):
        key = b"k%d" % i
        body = struct.pack(">bbi", 0, 0, len(key)) + key + struct.pack(">i", len(value)) + value
        msg = struct.pack(">I", zlib.crc32(body)) + body
        msgset += struct.pack(">qi", i, len(msg)) + msg
    partdata = struct.pack(">ii", 0, len(msgset)) + msgset
    req(0, 0, 3, struct.pack(">hi", 1, 1500) + karray([kstr("frames") + karray([partdata])]))
    resp(3, karray([kstr("frames") + karray([struct.pack(">ihq", 0, 0, 0)])]))
    return reqs, resps


# ---- MongoDB wire protocol (mongodb.com/docs/manual/reference/mongodb-wire-protocol):
# header = int32 messageLength (counts the whole message), requestID, responseTo,
# opCode, all little endian; OP_MSG (2013) = flagBits, sections.

def bson_doc(items):
    out = b""
    for k, v in items:
        key = k.encode() + b"\x00"
        if isinstance(v, bool):
            out += b"\x08" + key + (b"\x01" if v else b"\x00")
        elif isinstance(v, int):
            out += b"\x10" + key + struct.pack("<i", v)
        elif isinstance(v, float):
            out += b"\x01" + key + struct.pack("<d", v)
        elif isinstance(v, str):
            b = v.encode() + b"\x00"
            out += b"\x02" + key + struct.pack("<i", len(b)) + b
        elif isinstance(v, list) and (not v or isinstance(v[0], tuple)):
            out += b"\x03" + key + bson_doc(v)
        else:  # an array of documents
            out += b"\x04" + key + bson_doc([(str(i), d) for i, d in enumerate(v)])
    return struct.pack("<i", len(out) + 5) + out + b"\x00"


def op_msg(request_id, response_to, body, seq=None):
    payload = struct.pack("<I", 0) + b"\x00" + bson_doc(body)
    if seq is not None:
        ident, docs = seq
        inner = ident.encode() + b"\x00" + b"".join(bson_doc(d) for d in docs)
        payload += b"\x01" + struct.pack("<i", len(inner) + 4) + inner
    return struct.pack("<iiii", 16 + len(payload), request_id, response_to, 2013) + payload


def mongodb_messages():
    reqs, resps = [], []
    reqs.append(op_msg(1, 0, [("hello", 1), ("$db", "admin")]))
    resps.append(op_msg(101, 1, [("helloOk", True), ("isWritablePrimary", True),
                                 ("maxBsonObjectSize", 16777216), ("maxMessageSizeBytes", 48000000),
                                 ("maxWireVersion", 21), ("ok", 1.0)]))
    docs = [[("_id", i), ("body", "y" * (100 if i % 2 else 20000))] for i in range(6)]
    reqs.append(op_msg(2, 0, [("insert", "frames"), ("$db", "test")], seq=("documents", docs)))
    resps.append(op_msg(102, 2, [("n", 6), ("ok", 1.0)]))
    reqs.append(op_msg(3, 0, [("find", "frames"), ("filter", []), ("$db", "test")]))
    resps.append(op_msg(103, 3, [("cursor", [("firstBatch", docs), ("id", 0), ("ns", "test.frames")]),
                                 ("ok", 1.0)]))
    return reqs, resps


def cmd_spec(protocol, outdir):
    if protocol == "kafka":
        reqs, resps = kafka_messages()
        reqs = [struct.pack(">i", len(m)) + m for m in reqs]
        resps = [struct.pack(">i", len(m)) + m for m in resps]
    else:
        reqs, resps = mongodb_messages()
    with open(os.path.join(outdir, protocol + ".client.bin"), "wb") as f:
        f.write(b"".join(reqs))
    with open(os.path.join(outdir, protocol + ".server.bin"), "wb") as f:
        f.write(b"".join(resps))
    with open(os.path.join(outdir, protocol + ".lengths.json"), "w") as f:
        json.dump({"client": [len(m) for m in reqs], "server": [len(m) for m in resps]}, f)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            die("replay: peer closed early")
        buf += chunk
    return buf


def cmd_replay(client_bin, server_bin, port, lengths_json):
    with open(client_bin, "rb") as f:
        cdata = f.read()
    with open(server_bin, "rb") as f:
        sdata = f.read()
    with open(lengths_json) as f:
        lengths = json.load(f)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(1)

    def serve():
        conn, _ = ls.accept()
        off_c = off_s = 0
        for lc, lsrv in zip(lengths["client"], lengths["server"]):
            assert recv_exact(conn, lc) == cdata[off_c:off_c + lc]
            off_c += lc
            conn.sendall(sdata[off_s:off_s + lsrv])
            off_s += lsrv
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    c = socket.create_connection(("127.0.0.1", int(port)))
    off_c = off_s = 0
    for lc, lsrv in zip(lengths["client"], lengths["server"]):
        c.sendall(cdata[off_c:off_c + lc])
        off_c += lc
        recv_exact(c, lsrv)
        off_s += lsrv
    c.close()
    t.join()
    ls.close()


def main():
    a = sys.argv[1:]
    if not a:
        die("usage: see the doc string")
    cmd, rest = a[0], a[1:]
    if cmd == "split":
        cmd_split(*rest)
    elif cmd == "frames":
        cmd_frames(*rest)
    elif cmd == "entry":
        cmd_entry(rest)
    elif cmd == "manifest":
        cmd_manifest(rest[0], rest[1:])
    elif cmd == "spec":
        cmd_spec(*rest)
    elif cmd == "replay":
        cmd_replay(*rest)
    else:
        die("unknown command " + cmd)


if __name__ == "__main__":
    main()
