#!/usr/bin/python3
"""Silent clients for EdgeHardeningE2E: connects to each target and sends nothing (or, for a
pg_tls port, only the Postgres SSLRequest, never the ClientHello), then reports after how many
seconds the server closed each connection, or null if it was still open at --limit.

  silent.py --limit 15 tls=127.0.0.1:8443 pg=[fdaa::1]:5432:sslrequest
"""
import argparse
import json
import select
import socket
import struct
import time

SSL_REQUEST = struct.pack("!II", 8, 80877103)


def target(spec):
    name, rest = spec.split("=", 1)
    mode = ""
    if rest.endswith(":sslrequest"):
        rest, mode = rest[: -len(":sslrequest")], "sslrequest"
    host, port = rest.rsplit(":", 1)
    return name, host.strip("[]"), int(port), mode


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--limit", type=float, required=True)
    p.add_argument("targets", nargs="+")
    args = p.parse_args()
    start = time.monotonic()
    open_, result = {}, {}
    for spec in args.targets:
        name, host, port, mode = target(spec)
        s = socket.create_connection((host, port), timeout=5)
        if mode == "sslrequest":
            s.sendall(SSL_REQUEST)
            answer = s.recv(1)
            if answer != b"S":
                raise SystemExit("%s: SSLRequest answered %r" % (name, answer))
        s.setblocking(False)
        open_[s] = name
        result[name] = None
    while open_ and time.monotonic() - start < args.limit:
        readable, _, _ = select.select(list(open_), [], [], 0.2)
        for s in readable:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed (reset or FIN); any bytes (an alert) are read and we go on
                result[open_.pop(s)] = round(time.monotonic() - start, 2)
                s.close()
    for s in open_:
        s.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
