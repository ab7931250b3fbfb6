#!/usr/bin/env bash
# ao benchmarks: every figure is measured here, now, against a baseline measured in the same go.
# Usage: bench/run.sh [runs]      (default 15 repetitions for the short measurements)
#        AO_BENCH_STARTUP_ONLY=1 bench/run.sh   stops after the start-up figures
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-15}"
jar="$here/cli/target/ao.jar"
[ -f "$jar" ] || (cd "$here" && mvn -q -B -DskipTests -pl cli -am package)
work="$here/bench/target/run"
rm -rf "$work"; mkdir -p "$work/project/dotcodex"
printf '[scripts]\nexecution_timeout = 600\n' > "$work/project/dotcodex/config.toml"
java_bin="$(command -v java)"
# ao as a person runs it: through the launcher (class-data-sharing archive, JVM flags)
ao() { "$here/ao" "$@"; }
"$here/ao" --version >/dev/null   # builds the jar and the archive if needed, outside the measurements

. "$here/bench/lib.sh"

cat > "$work/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
javac -d "$work" "$work/Hello.java"
cat > "$work/project/trivial.sh" <<'SH'
#!/bin/sh
echo trivial
SH
cat > "$work/project/second.sh" <<'SH'
#!/bin/sh
# about one second of real work: the same per-run overhead against a non-trivial script
i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done
SH
cat > "$work/project/gib.sh" <<'SH'
#!/bin/sh
# 1 GiB of text in 1 MiB lines
line=$(head -c 1048575 /dev/zero | tr '\0' 'x')
i=0; while [ $i -lt 1024 ]; do printf '%s\n' "$line"; i=$((i+1)); done
SH
cd "$work/project"

mkdir -p "$work/listed/dotcodex"
cp "$work/project/dotcodex/config.toml" "$work/listed/dotcodex/"
cp "$work/project/trivial.sh" "$work/listed/"
for _ in $(seq 1 20); do (cd "$work/listed" && "$here/ao" run trivial.sh >/dev/null 2>&1); done

echo "ao benchmarks on $(nproc) cores, $(date -u +%FT%TZ), median of $n runs"
echo
# the start-up goals are ratios of figures taken in turn, one round of each per repetition, so that a machine
# busy with something else slows all of them alike
hello_c=("$java_bin" -cp "$work" Hello)
declare -a t_hello t_version t_help t_run t_list
for _ in $(seq 1 "$n"); do
  t_hello+=($(n=1 median_ms "${hello_c[@]}"))
  t_version+=($(n=1 median_ms ao --version))
  t_help+=($(n=1 median_ms ao --help))
  t_run+=($(n=1 median_ms ao run trivial.sh))
  t_list+=($(cd "$work/listed" && n=1 median_ms ao runs list))
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
hello=$(med "${t_hello[@]}"); version=$(med "${t_version[@]}"); help=$(med "${t_help[@]}")
run_first=$(med "${t_run[@]}"); list=$(med "${t_list[@]}")
rawversion=$(median_ms "$java_bin" -jar "$jar" --version)
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g ? "PASS" : "MISS") }'; }
vr=$(ratio "$version" "$hello"); hr=$(ratio "$help" "$hello"); lr=$(ratio "$list" "$version")
echo "1. startup"
echo "   bare JVM hello world       ${hello} ms"
echo "   ao --version               ${version} ms    ratio ${vr}   (goal <= 2.5x)  $(verdict "${vr%x}" 2.5)"
echo "   ao --help                  ${help} ms    ratio ${hr}   (goal <= 2.5x)  $(verdict "${hr%x}" 2.5)"
echo "   ao run trivial.sh          ${run_first} ms    minus --version: $(( run_first - version )) ms   (goal <= 120 ms)  $(verdict "$(( run_first - version ))" 120)"
echo "   ao runs list (20 runs)     ${list} ms    ratio ${lr} of --version   (goal <= 1.3x)  $(verdict "${lr%x}" 1.3)"
echo "   java -jar ao.jar --version ${rawversion} ms  ratio $(ratio "$rawversion" "$hello")   (without the launcher's archive and flags)"
echo
[ "${AO_BENCH_STARTUP_ONLY:-}" = 1 ] && exit 0   # section 1 alone
sh_t=$(median_ms sh trivial.sh)
run_t=$(median_ms ao run trivial.sh)
full_t=$(median_ms ao run trivial.sh --sandbox danger-full-access --approve)
over=$(( run_t - version ))
echo "2. ao run of a trivial script"
echo "   sh trivial.sh                          ${sh_t} ms"
echo "   ao run trivial.sh (sandboxed)          ${run_t} ms   minus --version: ${over} ms   ratio vs sh $(ratio "$over" "$sh_t")"
echo "   ao run, danger-full-access (no bwrap)  ${full_t} ms   sandbox overhead: $(( run_t - full_t )) ms, ratio $(ratio "$run_t" "$full_t")"
sec_sh=$(n=3 median_ms sh second.sh)
sec_ao=$(n=3 median_ms ao run second.sh)
echo "   a ~1 s script: sh ${sec_sh} ms, ao run ${sec_ao} ms, minus --version $(( sec_ao - version )) ms, ratio $(ratio "$(( sec_ao - version ))" "$sec_sh")"
echo
echo "3. 1 GiB of script output"
s=$(date +%s%N); sh gib.sh > "$work/gib.out"; e=$(date +%s%N); base=$(( (e - s) / 1000000 ))
rm -f "$work/gib.out"
AO_JAVA_OPTS=-Xmx64m /usr/bin/time -f '%M' -o "$work/rss" "$here/ao" run gib.sh > /dev/null 2> "$work/ao.err" &
pid=$!; s=$(date +%s%N); wait $pid; e=$(date +%s%N); through=$(( (e - s) / 1000000 ))
id=$(ls .ao/runs | tail -1)
bytes=$(stat -c %s ".ao/runs/$id/stdout.log")
echo "   sh gib.sh > file               ${base} ms"
echo "   ao run gib.sh (-Xmx64m)        ${through} ms   ratio $(ratio "$through" "$base")   (goal <= 1.2x)   stdout.log ${bytes} bytes"
echo "   ao peak RSS                    $(( $(cat "$work/rss") / 1024 )) MiB"
rm -rf .ao/runs/"$id"
