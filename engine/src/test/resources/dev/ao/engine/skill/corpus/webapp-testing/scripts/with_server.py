#!/usr/bin/env python3
"""Start servers, wait for their ports, run a command, stop the servers."""
import argparse

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--server", action="append", default=[])
parser.add_argument("--port", action="append", type=int, default=[])
parser.parse_known_args()
