#!/usr/bin/env python3
"""Part of the pdf-processing skill."""
import sys

if __name__ == "__main__":
    print(sys.argv[1:])
