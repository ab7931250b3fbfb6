#!/usr/bin/env bash
# Starts KubePeer, the local Kubernetes API server for the real kubectl, in the foreground.
#   testkit/run-kube-peer.sh [--port N] [--kubeconfig FILE] [--seed objects.json]
# Prints "ready http://127.0.0.1:PORT" once listening; stop it with Ctrl-C or kill <pid>.
# Then: KUBECONFIG=FILE HOME=$(mktemp -d) kubectl get pods -A
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
class_file=testkit/target/classes/dev/ao/testkit/KubePeer.class
if [ ! -f "$class_file" ] || [ -n "$(find testkit/src/main testkit/pom.xml -newer "$class_file" -print -quit)" ]; then
  mvn -q -pl testkit -am install -DskipTests >&2
fi
cp_file="testkit/target/runtime-classpath.txt"
if [ ! -s "$cp_file" ] || [ testkit/pom.xml -nt "$cp_file" ]; then
  mvn -q -pl testkit dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$root/$cp_file" >&2
fi
exec java -cp "testkit/target/classes:$(cat "$cp_file")" dev.ao.testkit.KubePeer "$@"
