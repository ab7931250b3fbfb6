#!/usr/bin/env bash
# The sandbox's cost per run, in one go: what ao's sandbox set-up adds to a trivial run, against what plain bwrap adds
# to the same script. Usage: bench/sandbox.sh [runs] ; BASE_JAR=path/to/older/ao.jar compares an older build too.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-15}"
jar="$here/cli/target/ao.jar"
"$here/ao" --version >/dev/null   # builds the jar and the archive if needed, outside the measurements
work="$here/bench/target/sandbox"
rm -rf "$work"; mkdir -p "$work/project/dotcodex"
printf '[scripts]\nexecution_timeout = 600\n' > "$work/project/dotcodex/config.toml"
printf '#!/bin/sh\necho trivial\n' > "$work/project/trivial.sh"
cd "$work/project"
. "$here/bench/lib.sh"
# the JVM flags the launcher uses, with the class-data archive and picocli of the jar's own build
opts_for() {
  local dir; dir="$(dirname "$1")"
  opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData)
  [ -f "$dir/ao.jsa" ] && opts+=(-XX:SharedArchiveFile="$dir/ao.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
}
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "sandbox cost per run on $(nproc) cores, $(date -u +%FT%TZ), as uid $(id -u), median of $n runs"
sh_t=$(median_ms sh trivial.sh)
bw_t=$(median_ms bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-pid --die-with-parent --new-session \
  --unshare-ipc --unshare-net --cap-drop ALL --chdir "$PWD" -- sh trivial.sh)
echo "  sh trivial.sh                         ${sh_t} ms"
echo "  plain bwrap ... sh trivial.sh          ${bw_t} ms   bwrap adds $(( bw_t - sh_t )) ms"
measure() {   # $1 label, $2 jar: sandboxed and unsandboxed runs alternate, so drift hits both alike
  opts_for "$2"
  local a=() b=() s d cost
  for _ in $(seq 1 "$n"); do
    a+=("$(ms java "${opts[@]}" -jar "$2" run trivial.sh)")
    b+=("$(ms java "${opts[@]}" -jar "$2" run trivial.sh --sandbox danger-full-access --approve)")
  done
  s=$(med "${a[@]}"); d=$(med "${b[@]}"); cost=$(( s - d ))
  echo "  $1: ao run sandboxed ${s} ms, danger-full-access ${d} ms: the sandbox costs ${cost} ms,"
  echo "      $(( cost - (bw_t - sh_t) )) ms more than plain bwrap's $(( bw_t - sh_t )) ms (goal <= 10 ms); sandboxed/unsandboxed run $(ratio "$s" "$d")"
}
measure "this build " "$jar"
if [ -n "${BASE_JAR:-}" ]; then measure "base build " "$BASE_JAR"; fi
