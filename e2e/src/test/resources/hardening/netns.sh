#!/usr/bin/env bash
# Run by EdgeHardeningE2E inside `unshare -n` (a network namespace of the test's own): checks what
# needs addresses the host's loopback does not give.
#   - the admin port seen from a non-loopback client (192.0.2.1, TEST-NET-1, an address that exists
#     only in this namespace): /debug/catalog must be refused;
#   - silent clients on the dedicated TLS and pg_tls ports of the examples' routes (with Linux's
#     AnyIP route for the Flycast prefix, as AnyIpE2E does): closed within the handshake timeout.
# Usage: netns.sh JAVA JAR STATE_DIR APPLY_DIR LIMIT_SECONDS [extra flycast flags...]
# Prints KEY VALUE lines; every wait is bounded.
set -euo pipefail
java=$1 jar=$2 state=$3 apply=$4 limit=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)

ip link set lo up
ip -6 route add local fdaa:0:48c8::/48 dev lo
ip addr add 192.0.2.1/32 dev lo   # this namespace's own loopback device, not the host's

"$java" -jar "$jar" --embedded --state-dir "$state" --apply "$apply" --admin-listen 0.0.0.0:9090 \
  --http-listen 127.0.0.1:8080 --tls-listen 127.0.0.1:8443 --dns-listen '' "$@" > "$state/flycast.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT

address() { # the Flycast address of route $1, once the catalog has it
  curl -s --max-time 2 127.0.0.1:9090/debug/catalog | grep -o "\"name\":\"$1\",\"address\":\"[^\"]*\"" \
    | sed 's/.*"address":"//; s/"//' || true
}
db="" secure=""
for _ in $(seq 1 300); do
  db=$(address db) secure=$(address secure)
  if [[ -n $db && -n $secure ]] && curl -sk -o /dev/null --max-time 2 "https://[$secure]:443/"; then break; fi
  sleep 0.2
done
echo "ADDRESSES db=$db secure=$secure"

echo "ADMIN_LOOPBACK $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:9090/debug/catalog)"
remote_body=$(mktemp)
code=$(curl -s -o "$remote_body" -w '%{http_code}' --max-time 5 --interface 192.0.2.1 http://192.0.2.1:9090/debug/catalog || true)
echo "ADMIN_REMOTE $code $(grep -c '"routes"' "$remote_body" || true)"
echo "HEALTHZ_REMOTE $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 192.0.2.1 http://192.0.2.1:9090/healthz || true)"

echo "SILENT $(/usr/bin/python3 "$here/silent.py" --limit "$limit" \
  "dedicated-tls=[$secure]:443" "pg_tls-silent=[$db]:5432" "pg_tls-after-sslrequest=[$db]:5432:sslrequest")"
