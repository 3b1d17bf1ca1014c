#!/usr/bin/env bash
# `make bench`: the benchmarks, printed as one line per figure. Record results and this exact
# command in docs/benchmarks.md (quote medians and ratios; these machines are noisy).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q test-compile -pl operator >/dev/null
CP="operator/target/flycast-operator.jar:operator/target/test-classes"
echo "== control plane: create -> routable =="
"$JAVA_HOME/bin/java" -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.flycast.bench.ControlPlaneBench "$@"
