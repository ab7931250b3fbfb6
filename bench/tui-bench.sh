#!/usr/bin/env bash
# Benchmark of `ao tui` (not a test: it prints figures, it asserts nothing).
#
#   1. startup: a store with 100,000 runs; time from starting `ao tui` to its first drawn runs table,
#      next to the time of `ao --version` (the JVM + picocli floor), both through the ./ao launcher. Two clocks:
#      the TUI's own (AO_TUI_BENCH=file: ms from process start to the first frame with the table) and tmux
#      polling. From 2,000 runs on the runs page reads the run index (.ao/index.db): the first start builds it
#      from every folder (measured once), the others find it up to date (the goal of issue 13: at most 2x).
#   2. memory: peak RSS (VmHWM) of the TUI while its log viewer follows a live run whose stdout.log is 1 GiB,
#      next to the TUI idle on the runs table.
#
# Usage: bench/tui-bench.sh [runs=100000] [log_mib=1024] [repeats=5]     (log_mib=0 skips part 2)
# Needs: a built jar (mvn -q -B -pl cli -am package -DskipTests), tmux, python3, bwrap.
# Work files go to bench/target/ (git-ignored); nothing is committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
jar="$repo/cli/target/ao.jar"
runs="${1:-100000}"
log_mib="${2:-1024}"
repeats="${3:-5}"
[ -f "$jar" ] || { echo "no $jar: build it first (mvn -q -B -pl cli -am package -DskipTests)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

work="$here/target/tui-bench"
rm -rf "$work"
proj="$work/project"
home="$work/home"
mkdir -p "$proj/dotcodex" "$proj/skills/bench/hello" "$proj/skills/bench/biglog" "$home"
cat > "$proj/dotcodex/config.toml" <<'TOML'
[skills]
paths = ["skills"]
TOML
cat > "$proj/skills/bench/hello/SKILL.md" <<'MD'
---
name: hello
description: a tiny run whose run.json is the template for the generated history
---
MD
echo '{"name":"hello","script_file":"hello.sh","parameters_schema":{"type":"object","properties":{"name":{"type":"string","default":"bench"}}}}' \
  > "$proj/skills/bench/hello/script.json"
printf '#!/usr/bin/env bash\necho "hello $AO_PARAM_NAME" > "$AO_SUMMARY"\n' > "$proj/skills/bench/hello/hello.sh"
cat > "$proj/skills/bench/biglog/SKILL.md" <<'MD'
---
name: biglog
description: writes a huge stdout.log, then keeps appending slowly so the run stays live
---
MD
echo '{"name":"biglog","script_file":"biglog.sh","timeout":3600,"parameters_schema":{"type":"object","properties":{"mib":{"type":"integer","default":1024}}}}' \
  > "$proj/skills/bench/biglog/script.json"
cat > "$proj/skills/bench/biglog/biglog.sh" <<'SH'
#!/usr/bin/env bash
# ~100-byte lines up to the asked size, then a tick every 200 ms until canceled
awk -v n="$(( AO_PARAM_MIB * 1024 * 1024 / 100 ))" 'BEGIN { for (i = 1; i <= n; i++) printf "%012d the quick brown fox jumps over the lazy dog; a line of the big log benchmark .......\n", i }'
echo "BIGLOG-WRITTEN"
while true; do echo "tick $(date +%T.%N)"; sleep 0.2; done
SH

export HOME="$home" XDG_STATE_HOME="$home/.local/state" XDG_CONFIG_HOME="$home/.config" LANG=C.UTF-8
unset CI
launcher="$repo/ao"
"$launcher" --version >/dev/null   # builds the jar and the class-data archive if needed, outside the measurements
ao() { (cd "$proj" && "$launcher" "$@"); }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "== generating $runs runs"
ao run bench/hello -p name=template >/dev/null 2>&1
template="$(ls -d "$proj"/.ao/runs/*/ | head -1)"
python3 - "$template" "$proj/.ao/runs" "$runs" <<'PY'
import json, os, random, shutil, sys, datetime
template, runs_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rec = json.load(open(os.path.join(template, "run.json")))
states = ["succeeded"] * 8 + ["failed", "canceled"]
start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
for i in range(n - 1):
    t = start + datetime.timedelta(seconds=37 * i)
    rid = t.strftime("%Y%m%d-%H%M%S") + "-%06x" % random.getrandbits(24)
    d = os.path.join(runs_dir, rid)
    os.makedirs(d)
    r = dict(rec)
    r["id"] = rid
    r["state"] = random.choice(states)
    r["exit_code"] = 0 if r["state"] == "succeeded" else (130 if r["state"] == "canceled" else 1)
    r["created_at"] = r["started_at"] = t.isoformat().replace("+00:00", "Z")
    r["ended_at"] = (t + datetime.timedelta(milliseconds=900)).isoformat().replace("+00:00", "Z")
    r["duration_ms"] = 900
    r["summary"] = "generated run %d" % i
    r["stdout_log"] = os.path.join(d, "stdout.log")
    r["stderr_log"] = os.path.join(d, "stderr.log")
    with open(os.path.join(d, "run.json"), "w") as f:
        json.dump(r, f, indent=2)
    if i < 50:  # the rows a first screen could open; the rest only need their run.json
        for name in ("stdout.log", "stderr.log", "events.jsonl"):
            open(os.path.join(d, name), "w").close()
PY
echo "   $(ls "$proj/.ao/runs" | wc -l) run folders in $proj/.ao/runs"

session="ao-tui-bench-$$"
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; }
trap cleanup EXIT

echo "== ao --version (JVM + picocli floor), $repeats times"
version=()
for _ in $(seq "$repeats"); do
  t0=$(now_ms); ao --version >/dev/null; t1=$(now_ms); version+=($((t1 - t0)))
done

first_draw() {  # $1: the stamp file; prints the TUI's own ms and the polled ms
  local stamp="$1" t0 t1
  rm -f "$stamp"
  t0=$(now_ms)
  tmux new-session -d -s "$session" -x 100 -y 30 \
    "cd '$proj' && AO_TUI_BENCH='$stamp' HOME='$home' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$launcher' tui"
  # the newest generated run is in the first row once the table is drawn
  until tmux capture-pane -p -t "$session" 2>/dev/null | grep -q "succeeded\|failed\|canceled"; do sleep 0.02; done
  t1=$(now_ms)
  for _ in $(seq 100); do [ -s "$stamp" ] && break; sleep 0.05; done
  echo "$(sed -n 's/^first_runs_table_ms_since_jvm_start=//p' "$stamp") $((t1 - t0)) $(sed -n 's/^runs_listed=//p' "$stamp")"
  tmux send-keys -t "$session" q
  sleep 0.5
  cleanup
}

rm -f "$proj/.ao/index.db" "$proj/.ao/index.db-wal" "$proj/.ao/index.db-shm"
echo "== ao tui, first start: no run index yet (built from every folder)"
read -r cold_own cold_polled cold_listed < <(first_draw "$work/first-frame-cold.txt")
echo "   first table (own) ${cold_own} ms, (tmux) ${cold_polled} ms, ${cold_listed} runs listed"

echo "== ao tui to the first drawn runs table, $runs runs, the index up to date, $repeats times"
own=(); polled=()
for i in $(seq "$repeats"); do
  read -r o p listed < <(first_draw "$work/first-frame-$i.txt")
  own+=("$o"); polled+=("$p")
done
for _ in $(seq "$repeats"); do
  t0=$(now_ms); ao --version >/dev/null; t1=$(now_ms); version+=($((t1 - t0)))
done
v=$(printf '%s\n' "${version[@]}" | median)
o=$(printf '%s\n' "${own[@]}" | median)
p=$(printf '%s\n' "${polled[@]}" | median)
echo "   ao --version            median $v ms   (all: ${version[*]})"
echo "   tui first table (own)   median $o ms   (all: ${own[*]})   $(awk -v a="$o" -v b="$v" 'BEGIN { printf "%.2fx", a / b }') ao --version"
echo "   tui first table (tmux)  median $p ms   (all: ${polled[*]})   $(awk -v a="$p" -v b="$v" 'BEGIN { printf "%.2fx", a / b }') ao --version   (goal: at most 2x)"
echo "   runs listed: $listed"
[ "$log_mib" -gt 0 ] || exit 0

echo "== peak RSS while following a live ${log_mib} MiB log"
id=$(ao run bench/biglog -p mib="$log_mib" --detach 2>/dev/null)
until grep -q BIGLOG-WRITTEN "$proj/.ao/runs/$id/stdout.log" 2>/dev/null; do sleep 1; done
echo "   run $id: stdout.log is $(du -h "$proj/.ao/runs/$id/stdout.log" | cut -f1)"
tmux new-session -d -s "$session" -x 100 -y 30 \
  "cd '$proj' && HOME='$home' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' java -jar '$jar' tui"
until tmux capture-pane -p -t "$session" | grep -q "$id"; do sleep 0.1; done
pid=$(pgrep -f "ao.jar tui" -n)
sleep 3
idle_hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
tmux send-keys -t "$session" g   # the newest run (the live one) is the first row
tmux send-keys -t "$session" Enter
until tmux capture-pane -p -t "$session" | grep -q "tick "; do sleep 0.2; done
t0=$(now_ms)
sleep 20
shown=$(tmux capture-pane -p -t "$session" | grep -c "tick " || true)
tmux send-keys -t "$session" g; sleep 2      # jump to the start of the 1 GiB log
tmux send-keys -t "$session" G; sleep 2      # and back to the end, following
# a search 90% of the log back from the end: / searches down (nothing below the end), N searches up
target=$(printf '%012d' $(( log_mib * 1024 * 1024 / 100 / 10 )))
tmux send-keys -t "$session" / "$target the quick" Enter; sleep 1
t0=$(now_ms)
tmux send-keys -t "$session" N
for _ in $(seq 1200); do tmux capture-pane -p -t "$session" | grep -q "^$target the quick" && break; sleep 0.05; done
t1=$(now_ms)
search_ms=$((t1 - t0))
sleep 2
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
echo "   TUI on the runs table:           peak RSS $((idle_hwm / 1024)) MiB"
echo "   following the ${log_mib} MiB log 20 s: peak RSS $((hwm / 1024)) MiB (now $((rss / 1024)) MiB), $shown live tick lines on screen"
echo "   search up through 90% of the log to the hit: ${search_ms} ms (peak RSS above includes it)"
tmux send-keys -t "$session" q; sleep 0.3; tmux send-keys -t "$session" q; sleep 1
cleanup

# the same with a 48 MiB heap: the viewer never needs the log in memory, so a small heap is enough
tmux new-session -d -s "$session" -x 100 -y 30 \
  "cd '$proj' && HOME='$home' XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' java -Xmx48m -jar '$jar' tui"
until tmux capture-pane -p -t "$session" | grep -q "$id"; do sleep 0.1; done
pid=$(pgrep -f "Xmx48m -jar .*ao.jar tui" -n)
tmux send-keys -t "$session" g; tmux send-keys -t "$session" Enter
until tmux capture-pane -p -t "$session" | grep -q "tick "; do sleep 0.2; done
sleep 10
tmux send-keys -t "$session" / "$target the quick" Enter; sleep 1; tmux send-keys -t "$session" N
found=no
for _ in $(seq 1200); do tmux capture-pane -p -t "$session" | grep -q "^$target the quick" && { found=yes; break; }; sleep 0.05; done
tmux send-keys -t "$session" G; sleep 3
small_hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
echo "   with -Xmx48m: follows and searches (hit found: $found), peak RSS $((small_hwm / 1024)) MiB"
tmux send-keys -t "$session" c; sleep 0.5; tmux send-keys -t "$session" y; sleep 3
tmux send-keys -t "$session" q; sleep 0.3; tmux send-keys -t "$session" q
ao runs show "$id" | head -1
