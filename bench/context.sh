#!/usr/bin/env bash
# Context saving on the issue's three seed cases: bytes an agent reads doing it command by command vs what ao hands
# back. Real kubectl (testkit Kubernetes API peer), real aws CLI (moto), a generated log (1 GiB; bytes as $1).
#   mvn -o -q -DskipTests package && bench/context.sh [LOG_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -pl cli -am test-compile >/dev/null
cp=$(mvn -o -q -pl cli dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test 2>/dev/null)
exec java -Dao.repo="$PWD" -Dao.jar="$PWD/cli/target/ao.jar" \
  -cp "cli/target/test-classes:testkit/target/classes:$cp" dev.ao.cli.bench.ContextBench "$@"
