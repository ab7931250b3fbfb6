#!/usr/bin/env bash
# What ao mcp costs an agent: time from spawning 'ao mcp' to its initialize reply, and the round trip of run_script
# with a trivial bash script against plain 'bwrap ... sh' of the same script (goal: <= 1.2x + 15 ms).
# Usage: bench/mcp.sh [runs]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-15}"
"$here/ao" --version >/dev/null   # builds the jar and the archive if needed, outside the measurements
work="$here/bench/target/mcp"
rm -rf "$work"; mkdir -p "$work/project/dotcodex"
printf '[scripts]\nexecution_timeout = 600\n' > "$work/project/dotcodex/config.toml"
printf 'echo trivial\n' > "$work/project/trivial.sh"
cd "$work/project"
exec python3 - "$here/ao" "$n" <<'PY'
import json, os, statistics, subprocess, sys, time
ao, n = sys.argv[1], int(sys.argv[2])

def ms(t): return round(t * 1000, 1)

def med(f, k=n):
    f()  # warm the page cache
    return statistics.median(f() for _ in range(k))

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}

def start():
    t0 = time.perf_counter()
    p = subprocess.Popen([ao, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    p.stdin.write((json.dumps(INIT) + "\n").encode())
    line = p.stdout.readline()
    assert json.loads(line)["id"] == 1, line
    return p, time.perf_counter() - t0

def init_time():
    p, t = start()
    p.stdin.close(); p.wait()
    return t

print(f"ao mcp on {os.cpu_count()} cores, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, uid {os.getuid()}, median of {n}")
print(f"  spawn -> initialize reply           {ms(med(init_time))} ms")

def bwrap():
    t0 = time.perf_counter()
    subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-pid",
                    "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-net", "--cap-drop", "ALL",
                    "--chdir", os.getcwd(), "--", "sh", "trivial.sh"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0
b = med(bwrap)

p, _ = start()
p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
ids = iter(range(2, 10**6))
code = open("trivial.sh").read()
def call():
    i = next(ids)
    req = {"jsonrpc": "2.0", "id": i, "method": "tools/call",
           "params": {"name": "run_script", "arguments": {"language": "bash", "code": code}}}
    t0 = time.perf_counter()
    p.stdin.write((json.dumps(req) + "\n").encode())
    reply = json.loads(p.stdout.readline())
    t = time.perf_counter() - t0
    assert reply["result"]["structuredContent"]["state"] == "succeeded", reply
    return t
for _ in range(3): call()   # the JIT's first runs
m = med(call)
p.stdin.close(); p.wait()
goal = 1.2 * b + 0.015
print(f"  plain bwrap ... sh trivial.sh       {ms(b)} ms")
print(f"  run_script (bash, trivial), per run {ms(m)} ms   = {m / b:.2f}x plain bwrap, +{ms(m - b)} ms "
      f"(goal <= 1.2x + 15 ms = {ms(goal)} ms: {'met' if m <= goal else 'NOT met'})")
PY
