#!/usr/bin/env python3
import sys
print("package", sys.argv[1:])
