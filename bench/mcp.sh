#!/usr/bin/env bash
# What ao mcp costs an agent: time from spawning 'ao mcp' to its initialize reply, and the round trip of run_script
# with a trivial bash script in one long-lived server, through MCP's stdio transport as a client speaks it
# (initialize, notifications/initialized, then tools/call after tools/call), against plain 'bwrap ... sh' of the same
# script (goal: <= 1.2x + 15 ms). Medians of n calls; the CPU time each run costs (ao's JVM and every process it
# started, from /proc) beside each, as the machine may be shared and wall times then swing with its load.
# Usage: bench/mcp.sh [runs]   (default 25)
#   BASE=path/to/ao.jar: the same calls, interleaved one for one, against a server of that jar too (an older build),
#                        so before and after are measured under the same load
#   PROFILE=1:           where ao's time goes in each run (RunService's phases, AO_TRACE_RUNS), medians
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-25}"
"$here/ao" --version >/dev/null   # builds the jar and the archive if needed, outside the measurements
work="$here/bench/target/mcp"
rm -rf "$work"; mkdir -p "$work/project/dotcodex"
printf '[scripts]\nexecution_timeout = 600\n' > "$work/project/dotcodex/config.toml"
printf 'echo trivial\n' > "$work/project/trivial.sh"
cd "$work/project"
export AO_BENCH_TRACE="${PROFILE:+$work/trace.jsonl}"
exec python3 - "$here/ao" "$n" "${BASE:-}" <<'PY'
import collections, json, os, resource, statistics, subprocess, sys, time
ao, n, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
trace = os.environ.get("AO_BENCH_TRACE") or None
tick = os.sysconf("SC_CLK_TCK")

def ms(t): return round(t * 1000, 1)

def med(f, k=n):
    f()  # warm the page cache
    return statistics.median(f() for _ in range(k))

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}

def start(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0, env=env)
    p.stdin.write((json.dumps(INIT) + "\n").encode())
    line = p.stdout.readline()
    assert json.loads(line)["id"] == 1, line
    return p, time.perf_counter() - t0

def init_time():
    p, t = start([ao, "mcp"])
    p.stdin.close(); p.wait()
    return t

def cpu_ms(pid):
    """CPU time of a process and of every child it has reaped: utime, stime, cutime, cstime."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in f[11:15]) * 1000.0 / tick

def load(): return open("/proc/loadavg").read().split()[0]

print(f"ao mcp on {os.cpu_count()} cores, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, uid {os.getuid()}, "
      f"median of {n}, load average {load()} at the start")
print(f"  spawn -> initialize reply           {ms(med(init_time))} ms")

bw_cpu = []
def bwrap():
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-pid",
                    "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-net", "--cap-drop", "ALL",
                    "--chdir", os.getcwd(), "--", "sh", "trivial.sh"], check=True, stdout=subprocess.DEVNULL)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    bw_cpu.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000)
    return t

class Server:
    def __init__(self, name, cmd, env=None):
        self.name, self.times, self.cpu = name, [], 0.0
        self.p, _ = start(cmd, env)
        self.p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.ids = iter(range(2, 10**6))
        for _ in range(3): self.call()   # the JIT's first runs
        self.times = []

    def call(self):
        req = {"jsonrpc": "2.0", "id": next(self.ids), "method": "tools/call",
               "params": {"name": "run_script", "arguments": {"language": "bash", "code": code}}}
        c0 = cpu_ms(self.p.pid)
        t0 = time.perf_counter()
        self.p.stdin.write((json.dumps(req) + "\n").encode())
        reply = json.loads(self.p.stdout.readline())
        t = time.perf_counter() - t0
        self.cpu += cpu_ms(self.p.pid) - c0
        assert reply["result"]["structuredContent"]["state"] == "succeeded", reply
        self.times.append(t)

    def stop(self):
        self.p.stdin.close(); self.p.wait()

code = open("trivial.sh").read()
env = dict(os.environ)
env.pop("AO_BENCH_TRACE", None)
if trace:
    if os.path.exists(trace): os.remove(trace)
    env["AO_TRACE_RUNS"] = trace
servers = [Server("run_script", [ao, "mcp"], env)]
if base:
    jvm = ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"]
    lib = os.path.join(os.path.dirname(base), "lib", "picocli.jar")
    if os.path.exists(lib): jvm.append("-Xbootclasspath/a:" + lib)
    servers.append(Server("BASE run_script", jvm + ["-jar", base, "mcp"], {k: v for k, v in env.items() if k != "AO_TRACE_RUNS"}))
b = med(bwrap)
bw_cpu = bw_cpu[1:]
for i in range(n):
    for s in (servers if i % 2 == 0 else servers[::-1]): s.call()
for s in servers: s.stop()
goal = 1.2 * b + 0.015
print(f"  plain bwrap ... sh trivial.sh       {ms(b)} ms        cpu {statistics.mean(bw_cpu):.1f} ms per run")
for s in servers:
    m = statistics.median(s.times)
    print(f"  {s.name + ' (bash, trivial)':<36}{ms(m)} ms   = {m / b:.2f}x plain bwrap, +{ms(m - b)} ms "
          f"(goal <= 1.2x + 15 ms = {ms(goal)} ms: {'met' if m <= goal else 'NOT met'}); cpu {s.cpu / n:.1f} ms per run "
          f"(ao and its children)")
if len(servers) == 2:
    a, z = statistics.median(servers[0].times), statistics.median(servers[1].times)
    print(f"  this build against BASE: {a / z:.2f}x the wall time, {servers[0].cpu / max(servers[1].cpu, 1e-9):.2f}x the cpu")
print(f"  load average {load()} at the end")
if trace:
    runs = [json.loads(l) for l in open(trace)][3:]
    wall, cpu = collections.defaultdict(list), collections.defaultdict(list)
    for r in runs:
        for k, v in r["ms"].items(): wall[k].append(v)
        for k, v in r.get("cpu", {}).items(): cpu[k].append(v)
    print("  where a run's time goes inside ao (RunService), median ms of wall time and of the run thread's cpu time:")
    for k in wall:
        c = statistics.median(cpu[k]) if cpu[k] else float("nan")
        print(f"    {k:<10} {statistics.median(wall[k]):7.2f}  cpu {c:6.2f}")
PY
