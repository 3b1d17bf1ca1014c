#!/usr/bin/env bash
# `make bench`: the benchmarks, one line per figure. Record results and this exact command in
# docs/benchmarks.md (quote medians and ratios; these machines are noisy).
#   make bench                 both benchmarks
#   BENCH=proxy make bench     only the data plane (wrk: direct vs nginx vs HAProxy vs Flycast)
#   BENCH=control make bench   only the control plane (create -> routable, catalog heap)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q package -DskipTests -pl operator >/dev/null  # the jar and test classes, current
CP="operator/target/flycast-operator.jar:operator/target/test-classes"
JAVA="$JAVA_HOME/bin/java"
WHAT=${BENCH:-all}

if [[ $WHAT == all || $WHAT == control ]]; then
  echo "== control plane: create -> routable (embedded API) =="
  "$JAVA" -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.flycast.bench.ControlPlaneBench ${CONTROL_SIZES:-1000 10000}
fi

if [[ $WHAT == all || $WHAT == proxy ]]; then
  for t in nginx haproxy wrk; do
    command -v $t >/dev/null || { echo "installing $t"; apt-get install -y -qq nginx-light haproxy wrk >/dev/null; }
  done
  tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; nginx -c $tmp/nginx.conf -p $tmp -s stop 2>/dev/null; rm -rf $tmp' EXIT
  # Backend: nginx answering a small body on 18081. Proxies in front of it: nginx 18082,
  # HAProxy 18083, Flycast 18084, all HTTP/1.1 keep-alive to the backend.
  cat > $tmp/nginx.conf <<CONF
worker_processes 1;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:18081; keepalive 64; }
  server { listen 127.0.0.1:18081; location / { return 200 "hello from the backend\n"; } }
  server { listen 127.0.0.1:18082; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
  cat > $tmp/haproxy.cfg <<CONF
global
  maxconn 4096
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:18083
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:18081
CONF
  nginx -c $tmp/nginx.conf -p $tmp
  haproxy -f $tmp/haproxy.cfg -D -p $tmp/haproxy.pid
  "$JAVA" -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.flycast.bench.ProxyBench 18084 127.0.0.1 18081 > $tmp/flycast.log 2>&1 &
  for i in $(seq 1 100); do curl -s -o /dev/null -H 'Host: web.default.flycast' 127.0.0.1:18084/ && break; sleep 0.2; done
  # Warm the JIT before measuring.
  wrk -t2 -c32 -d5s -H 'Host: web.default.flycast' http://127.0.0.1:18084/ >/dev/null
  DUR=${DURATION:-8s}; CONNS=${CONNECTIONS:-32}; ROUNDS=${ROUNDS:-3}
  echo "== data plane: wrk -t2 -c$CONNS -d$DUR, $ROUNDS interleaved rounds, median of rounds =="
  # wrk prints 850.00us / 1.20ms / 1.01s: normalise to microseconds so medians sort right.
  to_us() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n*1000; else print n*1000000 }'; }
  declare -A rps p50 p99
  for r in $(seq 1 $ROUNDS); do
    for target in direct:18081 nginx:18082 haproxy:18083 flycast:18084; do
      name=${target%%:*}; port=${target##*:}
      out=$(wrk -t2 -c$CONNS -d$DUR --latency -H 'Host: web.default.flycast' http://127.0.0.1:$port/)
      rps[$name]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
      p50[$name]+="$(to_us "$(awk '$1=="50%" {print $2}' <<<"$out")") "
      p99[$name]+="$(to_us "$(awk '$1=="99%" {print $2}' <<<"$out")") "
    done
  done
  median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  direct=$(median <<<"${rps[direct]}")
  for name in direct nginx haproxy flycast; do
    m=$(median <<<"${rps[$name]}")
    printf '%-8s rps median %10s  (%.2fx direct)  p50 %sus  p99 %sus   [rps rounds: %s]\n' "$name" "$m" \
      "$(awk -v a="$m" -v b="$direct" 'BEGIN {print a/b}')" \
      "$(median <<<"${p50[$name]}")" "$(median <<<"${p99[$name]}")" "${rps[$name]}"
  done
  kill "$(cat $tmp/haproxy.pid)" 2>/dev/null || true
fi
