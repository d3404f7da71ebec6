#!/usr/bin/env python3
"""free_ports.py [N]: print N (default 1) distinct free TCP ports on 127.0.0.1
for test servers, one line, space-separated.

A port the kernel picks for bind(0) comes from the ephemeral range, the one
every outgoing connection (curl, kubectl, the bridge's own clients) takes its
source port from: between the pick and the server's bind, a connection can
take it ("Address already in use"). So the ports come from below that range,
where nothing but an explicit bind lands, and each is checked bindable. A
ledger under the temporary directory (locked) remembers the ports handed out
in the last ten minutes, so two picks made before either server binds (the
bridge's API and health ports, a control plane's five) never collide, also
across concurrent test runs of one user.
"""
import fcntl
import os
import random
import socket
import sys
import tempfile
import time

KEEP_SECONDS = 600


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def bindable(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def kernel_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    if n < 1:
        sys.exit("free_ports.py: N must be at least 1")
    low, high = 10000, ephemeral_low() - 1
    ledger = os.path.join(tempfile.gettempdir(), "eci-test-ports-%d" % os.getuid())
    with open(ledger, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        now = time.time()
        recent = {}
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit():
                try:
                    at = float(parts[1])
                except ValueError:
                    continue
                if now - at < KEEP_SECONDS:
                    recent[int(parts[0])] = at
        picked = []
        tries = 0
        while len(picked) < n:
            tries += 1
            if high - low < 1000 or tries > 20000:
                # no room below the ephemeral range: the kernel's pick
                port = kernel_port()
            else:
                port = random.randint(low, high)
            if port in recent or port in picked or not bindable(port):
                continue
            picked.append(port)
            recent[port] = now
        f.seek(0)
        f.truncate()
        f.writelines("%d %.0f\n" % (p, at) for p, at in recent.items())
    print(" ".join(str(p) for p in picked))


if __name__ == "__main__":
    main()
