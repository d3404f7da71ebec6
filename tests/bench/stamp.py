#!/usr/bin/env python3
"""Prefix every line read from stdin with the wall-clock time (epoch seconds,
millisecond precision) it arrived at; used to time pod watch events."""
import sys
import time

for line in sys.stdin:
    sys.stdout.write("%.3f %s" % (time.time(), line))
    sys.stdout.flush()
