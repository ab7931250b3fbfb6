#!/usr/bin/env bash
# The run index against a history of 100,000 runs: list, filtered list and reindex, each against 'ao --version'
# measured in the same go. Usage: bench/index.sh [runs] [repetitions]   (defaults: 100000, 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
total="${1:-100000}"
n="${2:-5}"
jar="$here/cli/target/ao.jar"
[ -f "$jar" ] || (cd "$here" && mvn -q -B -DskipTests -pl cli -am package)
work="$here/bench/target/index"
rm -rf "$work"; mkdir -p "$work/project/dotcodex" "$work/empty/dotcodex"
touch "$work/project/dotcodex/config.toml" "$work/empty/dotcodex/config.toml"
ao() { "$here/ao" "$@"; }
"$here/ao" --version >/dev/null   # builds the jar and the archive if needed, outside the measurements
. "$here/bench/lib.sh"

# synthetic history: ended runs with known states and times, 1 in 20 a workflow's child
s=$(date +%s%N)
python3 - "$work/project/.ao/runs" "$total" <<'PY'
import json, os, sys, datetime
root, total = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
states = ["succeeded"] * 14 + ["failed"] * 4 + ["canceled", "timed_out"]
parent = None
for i in range(total):
    t = start + datetime.timedelta(seconds=60 * i, milliseconds=i % 1000)
    rid = t.strftime("%Y%m%d-%H%M%S-") + "%03d-%04x" % (t.microsecond // 1000, i % 65536)
    st = states[i % len(states)]
    code = {"succeeded": 0, "failed": 1, "canceled": 130, "timed_out": 124}[st]
    iso = t.isoformat().replace("+00:00", "Z")
    end = (t + datetime.timedelta(seconds=2)).isoformat().replace("+00:00", "Z")
    r = {"id": rid, "label": "skill-%d" % (i % 50), "skill": "skill-%d" % (i % 50), "state": st, "exit_code": code,
         "created_at": iso, "started_at": iso, "ended_at": end, "duration_ms": 2000, "origin": "cli"}
    if i % 20 == 0:
        r["kind"] = "workflow"; parent = rid
    elif i % 20 == 1 and parent:
        r["kind"] = "job"; r["parent"] = parent; r["job"] = "step"
    d = os.path.join(root, rid)
    os.mkdir(d)
    with open(os.path.join(d, "run.json"), "w") as f:
        json.dump(r, f, indent=2)
PY
e=$(date +%s%N)
echo "generated $total run folders in $(( (e - s) / 1000000 )) ms"

cd "$work/empty"
empty_first=$(median_ms ao runs list)       # SQLite loaded, an index made, no runs: the price of the index itself
cd "$work/project"
s=$(date +%s%N); ao runs list --limit 20 >/dev/null 2>&1; e=$(date +%s%N)
first=$(( (e - s) / 1000000 ))              # no index yet: the first reader builds it from every folder
version=$(median_ms ao --version)
list=$(median_ms ao runs list --limit 20)
failed=$(median_ms ao runs list --state failed --limit 20)
reindex_out=$(ao runs reindex)
s=$(date +%s%N); ao runs reindex >/dev/null; e=$(date +%s%N)
reindex=$(( (e - s) / 1000000 ))
version2=$(median_ms ao --version)
db=$(stat -c %s "$work/project/.ao/index.db")
wal=$(stat -c %s "$work/project/.ao/index.db-wal" 2>/dev/null || echo 0)

echo "ao --version                        ${version} ms (again after: ${version2} ms)"
echo "ao runs list (no runs, empty index) ${empty_first} ms  $(ratio "$empty_first" "$version") of --version"
echo "first ao runs list --limit 20       ${first} ms  (builds the index from $total folders)"
echo "ao runs list --limit 20             ${list} ms  $(ratio "$list" "$version") of --version   (goal <= 1.5x)"
echo "ao runs list --state failed -l 20   ${failed} ms  $(ratio "$failed" "$version") of --version   (goal <= 1.5x)"
echo "ao runs reindex                     ${reindex} ms  $(ratio "$reindex" "$version") of --version   (goal < 30000 ms); it says: $reindex_out"
echo "index size                          $db bytes (+ $wal WAL) = $(( (db + wal) / total )) bytes per run"
