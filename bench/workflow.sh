#!/usr/bin/env bash
# Workflows at scale, in one go, from what the runs recorded:
#  1. fan-out: a for_each over N items (default 1000) of a trivial sandboxed inline bash job at max_parallel 8, against
#     `xargs -P8` of bwrap by hand with the flags ao gives a run (see below); ao's peak RSS and its heap under -Xmx128m.
#  2. scheduling: a chain of M no-op jobs (default 50, each needs the one before): the workflow's wall time minus its
#     children's own run times, per job, and where that time goes between one child's end and the next one's start.
# Usage: bench/workflow.sh [items] [chain]   (items 0: the chain only; PROFILE=1: the chain once more under Java
# Flight Recorder, and where ao's threads spent that time outside waiting for children; BASE=path/to/ao.jar: the chain
# also with that jar (an older build), alternately with this one, ROUNDS times (default 3))
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
items="${1:-1000}"
chain="${2:-50}"
jar="$here/cli/target/ao.jar"
"$here/ao" --version >/dev/null   # builds the jar and the class-data archive if needed, outside the measurements
work="$here/bench/target/workflow"
rm -rf "$work"; mkdir -p "$work/project/dotcodex" "$work/base"
printf '[scripts]\nexecution_timeout = 600\n' > "$work/project/dotcodex/config.toml"
cd "$work/project"
. "$here/bench/lib.sh"
opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData)
[ -f "$here/cli/target/ao.jsa" ] && opts+=(-XX:SharedArchiveFile="$here/cli/target/ao.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
[ -f "$here/cli/target/lib/picocli.jar" ] && opts+=(-Xbootclasspath/a:"$here/cli/target/lib/picocli.jar")
export CI=true
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo "workflow bench on $(nproc) cores, $(date -u +%FT%TZ), as uid $(id -u), load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. fan-out ----
if [ "$items" -gt 0 ]; then
# an expression holds at most 4096 characters: the list comes from a job's output, as a workflow would get it
cat > fan.yml <<EOF
name: fan
max_parallel: 8
jobs:
  items:
    shell: python
    run: |
      import json, os
      with open(os.environ["AO_OUTPUT"], "a") as f:
          f.write("list=" + json.dumps(list(range($items))) + "\\n")
  each:
    needs: [items]
    for_each: \${{ fromJSON(jobs.items.outputs.list) }}
    max_parallel: 8
    shell: bash
    run: "true"
EOF
# one small run outside the measurements: a store's first runs write its helper library
printf 'name: warm\njobs:\n  w: {shell: bash, run: "true"}\n' > warm.yml
java "${opts[@]}" -jar "$jar" run warm.yml >/dev/null 2>&1 || true
rm -rf .ao/runs

# ao's peak RSS: VmHWM of the java process, polled until it exits (also /usr/bin/time's maximum resident set size)
s=$(now_ms)
/usr/bin/time -v -o time.txt java "${opts[@]}" -Xmx128m -Xlog:gc:file=gc.log -jar "$jar" run fan.yml -o json >fan.json 2>fan.err &
tpid=$!
hwm=0
while kill -0 "$tpid" 2>/dev/null; do
  jpid=$(pgrep -P "$tpid" -x java || true)
  if [ -n "$jpid" ]; then
    v=$(awk '/^VmHWM/ {print $2}' "/proc/$jpid/status" 2>/dev/null || echo 0)
    [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
  fi
  sleep 0.2
done
wait "$tpid" && fan_exit=0 || fan_exit=$?
e=$(now_ms)
ao_ms=$(( e - s ))
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' time.txt)

# the baseline: the same trivial script under bwrap with the flags ao gives a run (read-only root, private /dev,
# /proc, /run, /tmp, /dev/shm, HOME; the workspace writable; every namespace but the user's unshared; capabilities
# dropped; as root: setpriv to the sandbox uid and prlimit, as ao does). Not passed: ao's per-run seccomp filter and
# params file (file descriptors), its cgroup and the lending of the workspace to the sandbox uid.
printf '#!/bin/bash\ntrue\n' > "$work/base/trivial.sh"
if [ "$(id -u)" = 0 ]; then
  drop=(--cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID --cap-add CAP_SETPCAP)
  as=(/usr/bin/setpriv --reuid 61000 --regid 61000 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --)
else
  drop=(--cap-drop ALL); as=()
fi
cat > "$work/base/one.sh" <<EOF
#!/bin/bash
ws="$work/base/ws/\$1"; mkdir -p "\$ws"; chmod 0777 "\$ws"
exec bwrap --ro-bind / / --dev /dev --proc /proc --ro-bind /proc/sys /proc/sys --ro-bind /sys /sys --tmpfs /run \\
  --perms 1777 --tmpfs /tmp --perms 1777 --tmpfs /dev/shm --perms 0755 --tmpfs "\$HOME" --bind "\$ws" "\$ws" \\
  --unshare-pid --die-with-parent --new-session --unshare-ipc --unshare-net ${drop[*]} --chdir "\$ws" -- \\
  ${as[*]} /usr/bin/prlimit --fsize=8589934592 -- /bin/bash "$work/base/trivial.sh"
EOF
chmod +x "$work/base/one.sh"
"$work/base/one.sh" warm || { echo "the baseline's bwrap does not run here"; exit 1; }
s=$(now_ms)
seq "$items" | xargs -P8 -I{} "$work/base/one.sh" {}
e=$(now_ms)
base_ms=$(( e - s ))

python3 - "$work/project" fan.json gc.log "$items" "$ao_ms" "$base_ms" "$hwm" "$rss_kb" "$fan_exit" <<'EOF'
import json, re, sys, statistics
from datetime import datetime
root, fan, gclog, items, ao_ms, base_ms, hwm, rss, code = sys.argv[1:]
items, ao_ms, base_ms = int(items), int(ao_ms), int(base_ms)
def t(s):
    s = s.rstrip('Z'); a, _, b = s.partition('.')
    return datetime.fromisoformat(a).timestamp() + float('0.' + (b or '0'))
try:
    d = json.load(open(fan))
except Exception:
    print("  ao run failed (exit %s): see %s/fan.err" % (code, root)); sys.exit(1)
wf_ms = (t(d['ended_at']) - t(d['started_at'])) * 1000
job = next(j for j in d['jobs'] if j['id'] == 'each')
runs = job['runs']
ev, durs = [], []
for r in runs:
    c = json.load(open('%s/.ao/runs/%s/run.json' % (root, r)))
    ev += [(t(c['started_at']), 1), (t(c['ended_at']), -1)]
    durs.append((t(c['ended_at']) - t(c['started_at'])) * 1000)
ev.sort(); now = peak = 0
for _, k in ev: now += k; peak = max(peak, now)
heap_before, heap_after = [], []
for line in open(gclog):
    m = re.search(r'(\d+)M->(\d+)M\((\d+)M\)', line)
    if m: heap_before.append(int(m.group(1))); heap_after.append(int(m.group(2)))
print("1. fan-out: for_each over %d items of a trivial sandboxed bash job, max_parallel 8 (after one job that lists them)" % items)
print("  ao run (exit %s, %s %d/%d)  %6d ms wall (the workflow itself %d ms, JVM start and validation included in wall)"
      % (code, job['state'], job['succeeded'], job['items'], ao_ms, wf_ms))
print("  xargs -P8 bwrap by hand   %6d ms wall" % base_ms)
print("  ratio ao / baseline       %6.2fx   (goal <= 1.50x)" % (ao_ms / max(base_ms, 1)))
print("  per item: ao %.1f ms, baseline %.1f ms (8 at once); a child run's own duration median %.0f ms, p90 %.0f ms; peak %d at once"
      % (ao_ms / items, base_ms / items, statistics.median(durs), sorted(durs)[int(len(durs) * 0.9)], peak))
print("  ao peak RSS: VmHWM %d MiB, /usr/bin/time max RSS %d MiB; heap under -Xmx128m: %d GCs, at most %d MiB before a GC, %d MiB live after"
      % (int(hwm) // 1024, int(rss or 0) // 1024, len(heap_before), max(heap_before or [0]), max(heap_after or [0])))
EOF

fi

# ---- 2. scheduling overhead ----
{
  echo "name: chain"
  echo "jobs:"
  for i in $(seq 1 "$chain"); do
    echo "  j$i:"
    [ "$i" -gt 1 ] && echo "    needs: [j$((i - 1))]"
    echo "    shell: bash"
    echo "    run: \"true\""
  done
} > chain.yml
chain_report() {
python3 - "$work/project" chain.json "$chain" "${1:-}" <<'EOF'
import json, sys, statistics
from datetime import datetime
root, f, n, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def t(s):
    s = s.rstrip('Z'); a, _, b = s.partition('.')
    return datetime.fromisoformat(a).timestamp() + float('0.' + (b or '0'))
d = json.load(open(f))
wf_id = d['id']
wf_ms = (t(d['ended_at']) - t(d['started_at'])) * 1000
events = [json.loads(l) for l in open('%s/.ao/runs/%s/events.jsonl' % (root, wf_id)) if l.strip()]
def ev(job, state):
    for e in events:
        if e.get('job') == job and e.get('job_state') == state: return t(e['time'])
phases = {k: [] for k in ('dispatch', 'setup', 'spawn', 'script', 'settle', 'next')}
own = 0.0
for i in range(1, n + 1):
    j = next(x for x in d['jobs'] if x['id'] == 'j%d' % i)
    cid = j['runs'][0]
    c = json.load(open('%s/.ao/runs/%s/run.json' % (root, cid)))
    cev = [json.loads(l) for l in open('%s/.ao/runs/%s/events.jsonl' % (root, cid)) if l.strip()]
    spawned = next(t(e['time']) for e in cev if e['state'] == 'running')
    created, started, ended = t(c['created_at']), t(c['started_at']), t(c['ended_at'])
    own += ended - started
    running, done = ev('j%d' % i, 'running'), ev('j%d' % i, 'succeeded')
    phases['dispatch'].append(created - running)   # job running event -> its child's folder created (prepare)
    phases['setup'].append(started - created)      # child created -> about to spawn (io, lib, cgroup, seccomp, plan, lend)
    phases['spawn'].append(spawned - started)      # -> bwrap forked and the child's running event written
    phases['script'].append(ended - spawned)       # -> the child ended (bwrap, the script, ao's teardown)
    phases['settle'].append(done - ended)          # child ended -> job succeeded event
    if i < n: phases['next'].append(ev('j%d' % (i + 1), 'running') - done)  # -> next job's running event
first = ev('j1', 'running') - t(d['started_at'])
over = (wf_ms - own * 1000) / n
if label:
    print("  %-6s workflow %6d ms, children's own %6d ms: %5.1f ms per job of overhead; a child's own run median %.1f ms"
          % (label, wf_ms, own * 1000, over, statistics.median([x * 1000 for x in phases['spawn']]) + statistics.median([x * 1000 for x in phases['script']])))
    sys.exit(0)
print("2. scheduling: a chain of %d no-op jobs (%s)" % (n, d['state']))
print("  workflow %d ms, its children's own run times %d ms: %.1f ms per job of overhead (goal < 10 ms)" % (wf_ms, own * 1000, over))
print("  where a job's time goes, median (mean) ms; dispatch, setup, settle and next are the overhead:")
for k, label in (('dispatch', 'job running event -> child run created (inline script, RunService.prepare and start)'),
                 ('setup', 'child created -> about to spawn (RunService: io dir, lib, cgroup, seccomp, sandbox plan, lend)'),
                 ('spawn', 'about to spawn -> the child\'s running event (fork/exec of bwrap, run.json)'),
                 ('script', 'the child\'s running event -> child ended (bwrap, the script, ao\'s teardown)'),
                 ('settle', 'child ended -> job succeeded event (cgroup, give back, artifacts, jobs.json)'),
                 ('next', 'job succeeded event -> next job running event (the coordinator)')):
    v = [x * 1000 for x in phases[k]]
    print("    %-8s %7.1f (%7.1f)  %s" % (k, statistics.median(v), statistics.mean(v), label))
print("    first job started %.1f ms after the workflow" % (first * 1000))
EOF
}
rm -rf .ao/runs
java "${opts[@]}" -jar "$jar" run chain.yml -o json >chain.json 2>chain.err || true
chain_report
if [ -n "${BASE:-}" ]; then
  echo "  this build against BASE=$BASE, alternately, ${ROUNDS:-3} rounds (load $(cut -d' ' -f1 /proc/loadavg)):"
  bopts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData)
  [ -f "$(dirname "$BASE")/lib/picocli.jar" ] && bopts+=(-Xbootclasspath/a:"$(dirname "$BASE")/lib/picocli.jar")
  for r in $(seq 1 "${ROUNDS:-3}"); do
    rm -rf .ao/runs; java "${opts[@]}" -jar "$jar" run chain.yml -o json >chain.json 2>chain.err || true; chain_report this
    rm -rf .ao/runs; java "${bopts[@]}" -jar "$BASE" run chain.yml -o json >chain.json 2>chain.err || true; chain_report BASE
  done
fi

if [ "${PROFILE:-0}" = 1 ]; then
  rm -rf .ao/runs
  java "${opts[@]}" -XX:StartFlightRecording=filename=chain.jfr,settings=profile -jar "$jar" run chain.yml -o json >chain-p.json 2>/dev/null || true
  for e in jdk.NativeMethodSample jdk.ExecutionSample jdk.ThreadSleep; do jfr print --json --stack-depth 64 --events "$e" chain.jfr > "$e.json"; done
  python3 - "$chain" chain-p.json <<'EOF'
import json, sys, collections
from datetime import datetime
n = int(sys.argv[1])
def t(s):
    s = s.rstrip('Z'); a, _, b = s.partition('.')
    return datetime.fromisoformat(a).timestamp() + float('0.' + (b or '0'))
text = open(sys.argv[2]).read()
wf = json.loads(text[text.index('\n{') + 1 if not text.startswith('{') else 0:])   # JFR says hello on stdout first
since, until = t(wf['started_at']), t(wf['ended_at'])
def frames(e): return ((e['values'].get('stackTrace') or {}).get('frames')) or []
def name(f): return f['method']['type']['name'].split('/')[-1] + '.' + f['method']['name']
def site(fr):
    for f in fr:
        if f['method']['type']['name'].startswith('dev/ao'): return '%s:%s' % (name(f), f.get('lineNumber'))
    return '(no ao frame)'
def within(e): return since <= t(e['values']['startTime']) <= until
print("  profile of the chain while it ran (JFR samples every 20 ms of a thread in Java or in a native call; waiting")
print("  for a child, for work or for a lock is left out), by the innermost ao method and the call it was in:")
for kind in ('jdk.NativeMethodSample', 'jdk.ExecutionSample'):
    agg = collections.Counter()
    for e in json.load(open(kind + '.json'))['recording']['events']:
        fr = frames(e)
        if not fr or not within(e) or name(fr[0]) in ('ProcessHandleImpl.waitForProcessExit0',): continue
        agg[site(fr) + '  (' + name(fr[0]) + ')'] += 1
    total = sum(agg.values())
    print("    %s: %d samples, ~%.1f ms per job" % (kind.split('.')[1], total, total * 20.0 / n))
    for k, c in agg.most_common(10): print("      %3d  ~%4.1f ms/job  %s" % (c, c * 20.0 / n, k))
agg = collections.Counter()
for e in json.load(open('jdk.ThreadSleep.json'))['recording']['events']:
    if within(e): agg[site(frames(e))] += 1
for k, c in agg.most_common(3): print("    Thread.sleep of >= 20 ms in %d of %d jobs, at %s" % (c, n, k))
EOF
fi
