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
generate() {
python3 - "$1" "$2" <<'PY'
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
}
s=$(date +%s%N)
generate "$work/project/.ao/runs" "$total"
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
# a run added since the last list: the catch-up notices the runs folder changed and compares it with the index
mkdir "$work/project/.ao/runs/29990101-000000-000-beef"
s=$(date +%s%N); ao runs list --limit 20 >/dev/null 2>&1; e=$(date +%s%N)
after_new=$(( (e - s) / 1000000 ))
complete=$(median_ms ao __complete runs)
prune=$(median_ms ao runs prune --keep-days 30 --dry-run)
version2=$(median_ms ao --version)

# where the index starts to pay: the files against the index for a few history sizes
crossover=""
for size in 200 1000 2000; do
  mkdir -p "$work/s$size/dotcodex"; touch "$work/s$size/dotcodex/config.toml"
  generate "$work/s$size/.ao/runs" "$size"
  cd "$work/s$size"
  AO_INDEX_FROM=0 ao runs list >/dev/null 2>&1   # the index built, outside the measurement
  f1=$(AO_INDEX_FROM=100000000 median_ms ao runs list --limit 20)
  i1=$(AO_INDEX_FROM=0 median_ms ao runs list --limit 20)
  f2=$(AO_INDEX_FROM=100000000 median_ms ao runs list --state failed --limit 20)
  i2=$(AO_INDEX_FROM=0 median_ms ao runs list --state failed --limit 20)
  crossover+="  $size runs: list files ${f1} ms / index ${i1} ms; --state failed files ${f2} ms / index ${i2} ms"$'\n'
done
cd "$work/project"
db=$(stat -c %s "$work/project/.ao/index.db")
wal=$(stat -c %s "$work/project/.ao/index.db-wal" 2>/dev/null || echo 0)

echo "ao --version                        ${version} ms (again after: ${version2} ms)"
echo "ao runs list (no runs, empty index) ${empty_first} ms  $(ratio "$empty_first" "$version") of --version"
echo "first ao runs list --limit 20       ${first} ms  (builds the index from $total folders)"
echo "ao runs list --limit 20             ${list} ms  $(ratio "$list" "$version") of --version   (goal <= 1.5x)"
echo "ao runs list --state failed -l 20   ${failed} ms  $(ratio "$failed" "$version") of --version   (goal <= 1.5x)"
echo "ao runs reindex                     ${reindex} ms  $(ratio "$reindex" "$version") of --version   (goal < 30000 ms); it says: $reindex_out"
echo "index size                          $db bytes (+ $wal WAL) = $(( (db + wal) / total )) bytes per run"
echo "runs list after one new folder      ${after_new} ms  $(ratio "$after_new" "$version") of --version"
echo "ao __complete runs                  ${complete} ms  $(ratio "$complete" "$version") of --version   ($total ids)"
echo "ao runs prune --dry-run (30 days)   ${prune} ms  $(ratio "$prune" "$version") of --version"
echo "files against index (medians of $n):"
printf '%s' "$crossover"
