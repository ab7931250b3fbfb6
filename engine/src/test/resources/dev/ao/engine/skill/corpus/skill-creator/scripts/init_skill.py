#!/usr/bin/env python3
import sys
print("init", sys.argv[1:])
