#!/usr/bin/env bash
# The k8s runner at scale: a workflow whose for_each of N items (default 200) runs_on k8s at max_parallel 20, a
# trivial script each, against the testkit's KubePeer (a Kubernetes API in Java whose kubelet runs pods as local
# processes). Reports ao's own CPU time and peak heap per run (/usr/bin/time -v and a GC log of the ao process),
# and the API requests per run as the peer counts them (GET /_peer/requests: watches count once, as they open).
# Usage: bench/k8s.sh [items] [max_parallel]. Needs a built cli (mvn -o -q -pl cli -am package -DskipTests) and
# testkit classes (mvn -o -q -pl testkit compile); never installs anything.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
items="${1:-200}"
par="${2:-20}"
jar="$here/cli/target/ao.jar"
[ -f "$jar" ] || { echo "bench/k8s.sh: no $jar: build with mvn -o -q -pl cli -am package -DskipTests" >&2; exit 2; }
[ -d "$here/testkit/target/classes/dev/ao/testkit" ] || { echo "bench/k8s.sh: no testkit classes: mvn -o -q -pl testkit compile" >&2; exit 2; }
work="$here/bench/target/k8s"
rm -rf "$work"; mkdir -p "$work/project/dotcodex" "$work/home"
cp_file="$work/testkit.cp"
(cd "$here" && mvn -o -q -pl testkit dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file" >&2)

java -cp "$here/testkit/target/classes:$(cat "$cp_file")" dev.ao.testkit.KubePeer --kubeconfig "$work/home/kubeconfig" >"$work/peer.out" 2>"$work/peer.err" &
peer_pid=$!
trap 'kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q '^ready ' "$work/peer.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^ready //p' "$work/peer.out")"
[ -n "$url" ] || { echo "bench/k8s.sh: KubePeer did not start: $(cat "$work/peer.err")" >&2; exit 1; }

cd "$work/project"
printf '[runners.k8s]\nnamespace = "default"\nttl_seconds_after_finished = 600\n[scripts]\nexecution_timeout = 600\n' > dotcodex/config.toml
list="[$(seq -s, 0 $((items - 1)))]"
cat > fan.yml <<YML
name: fan
max_parallel: $par
jobs:
  each:
    for_each: $list
    max_parallel: $par
    runs_on: k8s
    shell: bash
    run: "echo item"
YML
export KUBECONFIG="$work/home/kubeconfig" CI=true
echo "k8s bench on $(nproc) cores, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg): $items items, max_parallel $par"
curl -s "$url/_peer/requests" >/dev/null
start=$(date +%s%N)
/usr/bin/time -v -o time.txt java -Xlog:gc:file=gc.log -jar "$jar" run fan.yml -o json >fan.json 2>fan.err || {
  echo "bench/k8s.sh: the workflow failed: $(tail -3 fan.err)" >&2; }
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
curl -s "$url/_peer/requests" > requests.json
python3 - "$items" "$wall_ms" <<'PY'
import json, re, sys
items, wall = int(sys.argv[1]), int(sys.argv[2])
t = open("time.txt").read()
def f(k):
    m = re.search(re.escape(k) + r":\s*([0-9.]+)", t); return float(m.group(1)) if m else 0.0
cpu = f("User time (seconds)") + f("System time (seconds)")
rss = f("Maximum resident set size (kbytes)") / 1024
heap = 0.0
for line in open("gc.log"):
    m = re.search(r"(\d+)M->\d+M\(\d+M\)", line)
    if m: heap = max(heap, float(m.group(1)))
doc = json.load(open("requests.json"))
reqs = doc if isinstance(doc, list) else doc.get("requests", doc.get("items", []))
reqs = [r if isinstance(r, str) else r.get("request", str(r)) for r in reqs]
reqs = [r for r in reqs if "/_peer/" not in r]
watches = sum(1 for r in reqs if "watch=true" in r or "watch=1" in r)
res = json.load(open("fan.json")) if open("fan.json").read().strip() else {}
print(f"workflow state {res.get('state','?')}, wall {wall/1000:.1f} s ({wall/items:.0f} ms per run, wall-clock, loaded machine)")
print(f"ao CPU {cpu:.1f} s total = {cpu*1000/items:.0f} ms per run; peak RSS {rss:.0f} MiB; peak heap before GC {heap:.0f} MiB")
print(f"API requests {len(reqs)} = {len(reqs)/items:.1f} per run, of which watches {watches} = {watches/items:.1f} per run")
by = {}
for r in reqs:
    m, p = r.split(" ", 1)
    k = m + " " + re.sub(r"/namespaces/[^/]+", "/namespaces/*", p.split("?")[0])
    k = re.sub(r"/(jobs|pods|configmaps|secrets|leases)/[^/]+", r"/\1/NAME", k)
    k += " (watch)" if "watch=" in p else ""
    by[k] = by.get(k, 0) + 1
for k, v in sorted(by.items(), key=lambda x: -x[1])[:8]:
    print(f"  {v/items:5.2f}/run  {k}")
PY
