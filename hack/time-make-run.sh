#!/usr/bin/env bash
# Time from `make run` on a clean tree to the first routed request (the web example), with the
# Maven cache warm, as a newcomer's second clone would see it. Uses ports 2xxxx so that a running
# `make run` is not disturbed. Recorded in docs/benchmarks.md ("make run: first routed request").
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=$(./hack/find-jdk.sh)
mvn -B -ntp -o -q clean >/dev/null 2>&1
rm -rf /tmp/st2
start=$(date +%s.%N)
FLYCAST_STATE_DIR=/tmp/st2 FLYCAST_ADMIN_LISTEN=127.0.0.1:29090 FLYCAST_HTTP_LISTEN=127.0.0.1:28080 FLYCAST_TLS_LISTEN=127.0.0.1:28443 FLYCAST_DNS_LISTEN=127.0.0.1:25353 FLYCAST_DEDICATED_LISTEN= make run > /tmp/st2.log 2>&1 &
pid=$!
built=""
while true; do
  if [[ -z $built && -f local/target/flycast-local.jar ]]; then built=$(date +%s.%N); fi
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Host: web.default.flycast' http://127.0.0.1:28080/ 2>/dev/null)
  [[ $code == 200 ]] && break
  sleep 0.1
done
end=$(date +%s.%N)
echo "build $(echo "$built - $start" | bc) s, first routed request $(echo "$end - $start" | bc) s"
pkill -INT -f "state-dir /tmp/st2" || true
wait $pid 2>/dev/null || true
uptime
