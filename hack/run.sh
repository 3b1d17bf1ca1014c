#!/usr/bin/env bash
# `make run`: embedded mode by default (in-process Kubernetes API, operator, proxy); with
# KUBECONFIG set, runs against that cluster instead, touching only what it manages.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=local/target/flycast-local.jar
STATE=${FLYCAST_STATE_DIR:-.flycast}
ADMIN=${FLYCAST_ADMIN_LISTEN:-127.0.0.1:9090}
# KUBECONFIG exported from an earlier `make run` names the embedded API of a process that is
# gone: that is a request for embedded mode again, not for a cluster.
if [[ -n "${KUBECONFIG:-}" && "$(realpath -m "${KUBECONFIG%%:*}")" == "$(realpath -m "$STATE/kubeconfig")" ]]; then
  echo "KUBECONFIG=$KUBECONFIG is embedded mode's own kubeconfig: starting embedded mode (it is rewritten for the new API)"
  unset KUBECONFIG
fi
if [[ -n "${KUBECONFIG:-}" ]]; then
  echo "Running against the cluster in KUBECONFIG=$KUBECONFIG (install CRDs first: kubectl apply -f crds/)"
  # No Service sends traffic to a process on this machine, so Ctrl-C need not wait for endpoints.
  export FLYCAST_SHUTDOWN_DELAY=${FLYCAST_SHUTDOWN_DELAY:-0}
  exec "$JAVA_HOME/bin/java" -jar "$JAR" --kubeconfig "${KUBECONFIG%%:*}" --admin-listen "$ADMIN" "$@"
fi
cat <<MSG
Starting Flycast in embedded mode: an in-process Kubernetes API, the operator and the proxy.
  kubeconfig for the embedded API:  $STATE/kubeconfig
  admin:                            http://$ADMIN/  (/healthz /readyz /metrics /debug/catalog)
  examples applied from:            examples/
Try, once it says ready:
  curl -s http://$ADMIN/debug/catalog
  dig @127.0.0.1 -p 5353 +short AAAA web.default.flycast
Ctrl-C stops everything.
MSG
exec "$JAVA_HOME/bin/java" -jar "$JAR" --embedded --state-dir "$STATE" --apply examples --admin-listen "$ADMIN" --autostop-interval 30s "$@"
