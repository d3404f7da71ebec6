#!/usr/bin/env python3
"""Hold many abusive connections to a server for a while (tests of the
kubelet port and the health listener under abuse).

    hold_conns.py --port P --count N --seconds S --mode MODE [--status FILE]

MODE:
  idle  TCP connections that send nothing
  tls   connections that finish a TLS handshake (no client certificate)
        and then send nothing
  mixed half idle, half tls
  half  half-sent HTTP requests: a request line and one header, then
        nothing more

A connection the server closes is opened again at once, so N are held for
the whole time (as an attacker would). Every second the script writes
"held=H opened=O closed=C" to FILE (when given), and at the end once more
with "done" appended."""
import argparse
import os
import selectors
import socket
import ssl
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--mode", choices=["idle", "tls", "mixed", "half"], required=True)
    ap.add_argument("--status")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sel = selectors.DefaultSelector()
    opened = closed = 0
    held = {}

    def kind_for(i):
        if a.mode == "mixed":
            return "tls" if i % 2 else "idle"
        return a.mode

    def open_one(i):
        nonlocal opened
        k = kind_for(i)
        try:
            s = socket.create_connection((a.host, a.port), timeout=10)
            if k == "tls":
                s = ctx.wrap_socket(s, do_handshake_on_connect=True)
            elif k == "half":
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            s.setblocking(False)
        except OSError:
            return False
        sel.register(s, selectors.EVENT_READ, i)
        held[i] = s
        opened += 1
        return True

    def status(done=False):
        if a.status:
            with open(a.status + ".tmp", "w") as f:
                f.write("held=%d opened=%d closed=%d%s\n" % (len(held), opened, closed, " done" if done else ""))
            os.replace(a.status + ".tmp", a.status)

    end = time.monotonic() + a.seconds
    for i in range(a.count):
        open_one(i)
        if time.monotonic() > end:
            break
    last = 0.0
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            s, i = key.fileobj, key.data
            try:
                data = s.recv(4096)
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except OSError:
                data = b""
            if data:
                continue  # an answer (e.g. 408): keep reading until closed
            sel.unregister(s)
            s.close()
            del held[i]
            closed += 1
        for i in range(a.count):
            if i not in held and time.monotonic() < end:
                open_one(i)
        now = time.monotonic()
        if now - last >= 1:
            status()
            last = now
    status(done=True)
    for s in held.values():
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
