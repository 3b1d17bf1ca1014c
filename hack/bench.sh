#!/usr/bin/env bash
# `make bench`: the benchmarks, one line per figure. Record results and this exact command in
# docs/benchmarks.md (quote medians and ratios; these machines are noisy).
#   make bench                 every benchmark below
#   BENCH=proxy make bench     only the HTTP data plane (wrk: direct vs nginx vs HAProxy vs Flycast)
#   BENCH=tcp make bench       only raw TCP throughput (iperf3: direct vs nginx stream vs HAProxy
#                              mode tcp vs a Flycast port without handlers)
#   BENCH=tls make bench       only TLS handshakes/s (openssl s_time -new: nginx vs HAProxy vs
#                              Flycast terminating TLS, same ECDSA P-256 certificate)
#   BENCH=cache make bench     only cached responses: nginx proxy_cache vs Flycast's route cache, the
#                              same 1 KiB object (Cache-Control: max-age=3600), every request a hit
#   BENCH=control make bench   only the control plane (create -> routable, catalog heap)
#   BENCH=scale make bench     only cluster scale: 10,000 Services, 10,000 EndpointSlices, 100,000 Pods
#                              from an API stand-in; the operator's live heap and time to routable
#   BENCH=coldstart make bench only cold starts: request -> first byte on a route at zero whose pods'
#                              readiness probe has periodSeconds 10, with early probing on and off
#                              (p50/p99 over COLDSTART_RUNS, 20), then a burst of COLDSTART_BURST (500)
#                              requests with softLimit 25, hardLimit 50, maxMachinesRunning
#                              COLDSTART_MAX_MACHINES (20)
# Knobs: DURATION (per round, in seconds: 8s), ROUNDS (interleaved rounds, median of them: 3),
# CONNECTIONS (wrk: 32), THREADS (workers of each HTTP proxy: one per core), HEADERS (fly: nginx and
# HAProxy add Flycast's headers too; none), STREAMS (iperf3 -P: 1), TLS_CLIENTS (parallel s_time clients: 1),
# WARMUP (seconds of load on Flycast before measuring: proxy 40, tcp 5, tls 15; TLS code takes
# 10-15 s of handshakes to reach its steady rate). Scale: SCALE_SERVICES (10000), SCALE_ENDPOINTS (pods
# per Service: 10), SCALE_OPERATOR_JAR (the operator to measure: this tree's jar; point it at another
# build's jar to compare), SCALE_OPERATOR_HEAP (its -Xmx: 6g, room for builds that keep whole objects).
set -euo pipefail
cd "$(dirname "$0")/.."
# The jars and test classes, current, and the operator's test classpath (the benches are tests:
# they wait with Awaitility), written by Maven to operator/target/test.classpath.
mvn -B -ntp -q package dependency:build-classpath -DskipTests -pl local -am \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath >/dev/null
CP="local/target/flycast-local.jar:operator/target/test-classes:$(cat operator/target/test.classpath)"
JAVA="$JAVA_HOME/bin/java"
WHAT=${BENCH:-all}
case $WHAT in all | control | proxy | cache | tcp | tls | scale | coldstart) ;; *) echo "BENCH must be all, control, proxy, cache, tcp, tls, scale or coldstart" >&2; exit 2 ;; esac

# Each section runs its own nginx, HAProxy and Flycast in its own temp dir and stops them when it
# ends; whatever is left (a section failed) is stopped on exit.
TMPS=()
stop_services() {
  local d=$1
  if [[ -f $d/haproxy.pid ]]; then kill "$(cat "$d/haproxy.pid")" 2>/dev/null || true; rm -f "$d/haproxy.pid"; fi
  local n
  for n in nginx backend; do
    if [[ -f $d/$n.pid ]]; then nginx -c "$d/$n.conf" -p "$d" -s stop 2>/dev/null || true; fi
  done
}
stop_jobs() {
  local pids
  pids=$(jobs -p)
  if [[ -n $pids ]]; then kill $pids 2>/dev/null || true; wait $pids 2>/dev/null || true; fi
}
cleanup() {
  stop_jobs
  for d in "${TMPS[@]}"; do stop_services "$d"; rm -rf "$d"; done
}
trap cleanup EXIT
new_tmp() { tmp=$(mktemp -d); TMPS+=("$tmp"); }
end_section() { stop_jobs; stop_services "$tmp"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print a/b}'; }
# Waits until a background service has written its "ready" line to its log.
wait_log() {
  for i in $(seq 1 150); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.2; done
  echo "not ready: $1" >&2; cat "$1" >&2; exit 1
}
# Starts Flycast's proxy alone (`ProxyBench ARGS...`, extra JVM flags in $FLYCAST_JVM), sets
# flycast_pid, and waits until it serves. setsid: its own session, as nginx and HAProxy have once
# they daemonize. With the kernel's autogroup scheduling (on by default), a session is one
# scheduling group: left in this script's session, Flycast would share one CPU share with the
# load generator while nginx and HAProxy each had their own.
start_flycast() {
  setsid "$JAVA" -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${FLYCAST_JVM:-} -cp "$CP" \
    io.flycast.bench.ProxyBench "$@" > $tmp/flycast.log 2>&1 &
  flycast_pid=$!
  wait_log $tmp/flycast.log 'proxy ready'
}
DUR=${DURATION:-8s}; ROUNDS=${ROUNDS:-3}
# Runs `<measure> PORT SECS` for every target (name:port), ROUNDS times, interleaved, and prints
# each target's median and its ratio to <baseline>'s.
#   interleaved <measure> <unit> <baseline> <target>...
interleaved() {
  local measure=$1 unit=$2 baseline=$3 r target name m b
  shift 3
  local -A got=()
  for r in $(seq 1 $ROUNDS); do
    for target in "$@"; do
      got[${target%%:*}]+="$($measure ${target##*:} $SECS) "
    done
  done
  b=$(median <<<"${got[$baseline]}")
  for target in "$@"; do
    name=${target%%:*}
    m=$(median <<<"${got[$name]}")
    printf '%-8s %s median %7s  (%.2fx %s)   [rounds: %s]\n' "$name" "$unit" "$m" "$(ratio "$m" "$b")" "$baseline" "${got[$name]}"
  done
}
SECS=${DUR%s}  # iperf3 and s_time take whole seconds
# Installs (from Debian) the packages of the tools a section runs, when one of them is missing.
#   need_tools "<tools>" "<packages>"
need_tools() {
  local t
  for t in $1; do
    command -v $t >/dev/null || { echo "installing $2"; apt-get install -y -qq $2 >/dev/null; return; }
  done
}
need_whole_seconds() {
  [[ $SECS =~ ^[0-9]+$ ]] || { echo "DURATION must be whole seconds (e.g. 8s) for the $1 benchmark" >&2; exit 2; }
}

if [[ $WHAT == all || $WHAT == control ]]; then
  echo "== control plane: create -> routable (embedded API) =="
  "$JAVA" -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.flycast.bench.ControlPlaneBench ${CONTROL_SIZES:-1000 10000}
fi

if [[ $WHAT == all || $WHAT == scale ]]; then
  # The API stand-in (io.flycast.bench.ScaleApiServer, this JVM: the cluster as text, about 1 GB)
  # and the operator (its jar, a JVM of its own, against the stand-in's kubeconfig) are measured
  # apart: the live heap is the operator's alone.
  echo "== cluster scale: API stand-in -> operator jar, $ROUNDS rounds from a fresh API, medians =="
  "$JAVA" -Xmx${SCALE_API_HEAP:-4g} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.flycast.bench.ScaleBench \
    ${SCALE_SERVICES:-10000} ${SCALE_ENDPOINTS:-10} $ROUNDS ${SCALE_OPERATOR_JAR:-operator/target/flycast-operator.jar} \
    -Xmx${SCALE_OPERATOR_HEAP:-6g} -XX:+UseG1GC
fi

if [[ $WHAT == all || $WHAT == coldstart ]]; then
  # The embedded API, the local runtime (pods ready on the kubelet's schedule) and Flycast in one
  # JVM, backends as echo JVMs.
  "$JAVA" -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
    io.flycast.bench.ColdStartBench ${COLDSTART_RUNS:-20} ${COLDSTART_BURST:-500} 25 50 ${COLDSTART_MAX_MACHINES:-20}
fi

if [[ $WHAT == all || $WHAT == proxy ]]; then
  need_tools "nginx haproxy wrk" "nginx-light haproxy wrk"
  new_tmp
  # Backend: its own nginx (one worker) answering a small body on 18081. Proxies in front of it,
  # each its own process with THREADS workers (default: one per core, what each does when left
  # to itself): nginx 18082, HAProxy 18083, Flycast 18084, all HTTP/1.1 keep-alive to the backend.
  THREADS=${THREADS:-$(nproc)}
  # HEADERS=fly (default): nginx and HAProxy add the headers Flycast adds (X-Forwarded-*,
  # Fly-Client-IP, Fly-Region, a request id both ways, Via both ways), so all three do the same
  # work per request. HEADERS=none: they forward as they are, Flycast still adds its own.
  HEADERS=${HEADERS:-fly}
  if [[ $HEADERS == fly ]]; then
    NGINX_HEADERS='proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Port $server_port; proxy_set_header X-Forwarded-SSL off; proxy_set_header Fly-Client-IP $remote_addr;
    proxy_set_header Fly-Forwarded-Port $server_port; proxy_set_header Fly-Region local; proxy_set_header Fly-Request-Id $request_id;
    proxy_set_header Via "1.1 nginx"; add_header Fly-Request-Id $request_id; add_header Via "1.1 nginx";'
    HAPROXY_HEADERS='  option forwardfor
  unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Port %[dst_port]
  http-request set-header X-Forwarded-SSL off
  http-request set-header Fly-Client-IP %[src]
  http-request set-header Fly-Forwarded-Port %[dst_port]
  http-request set-header Fly-Region local
  http-request set-header Fly-Request-Id %[unique-id]
  http-request add-header Via "1.1 haproxy"
  http-response set-header Fly-Request-Id %[unique-id]
  http-response add-header Via "1.1 haproxy"'
  else
    NGINX_HEADERS=''
    HAPROXY_HEADERS=''
  fi
  cat > $tmp/backend.conf <<CONF
worker_processes 1;
error_log $tmp/backend-error.log;
pid $tmp/backend.pid;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:18081; location / { return 200 "hello from the backend\n"; } }
}
CONF
  cat > $tmp/nginx.conf <<CONF
worker_processes $THREADS;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:18081; keepalive 64; }
  server { listen 127.0.0.1:18082; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
    $NGINX_HEADERS } }
}
CONF
  cat > $tmp/haproxy.cfg <<CONF
global
  maxconn 4096
  nbthread $THREADS
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:18083
$HAPROXY_HEADERS
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:18081
CONF
  nginx -c $tmp/backend.conf -p $tmp
  nginx -c $tmp/nginx.conf -p $tmp
  haproxy -f $tmp/haproxy.cfg -D -p $tmp/haproxy.pid
  FLYCAST_JVM=-Dflycast.bench.workers=$THREADS start_flycast 18084 127.0.0.1 18081
  # Warm the JIT before measuring: with wrk and the backend on the same 2 cores, C2 goes on
  # compiling the request path for 30-40 s of load (jstat -compiler), and CPU per request falls
  # from about 42 us at 20 s to about 31 us at 40 s. Shorter warm-ups measure the compiler.
  wrk -t2 -c32 -d${WARMUP:-40}s -H 'Host: web.default.flycast' http://127.0.0.1:18084/ >/dev/null
  CONNS=${CONNECTIONS:-32}
  # What each proxy adds to the response (with HEADERS=fly, all three add a request id and Via).
  for target in nginx:18082 haproxy:18083 flycast:18084; do
    echo "${target%%:*}: $(curl -s -D - -o /dev/null -H 'Host: web.default.flycast' http://127.0.0.1:${target##*:}/ \
      | grep -i -E '^(fly-request-id|via):' | tr -d '\r' | tr '\n' ' ')"
  done
  # The processes doing each target's work, whose CPU time is counted per request.
  declare -A procs
  procs[direct]=$(pgrep -P "$(cat $tmp/backend.pid)" | tr '\n' ' ')
  procs[nginx]=$(pgrep -P "$(cat $tmp/nginx.pid)" | tr '\n' ' ')
  procs[haproxy]=$(cat $tmp/haproxy.pid)
  procs[flycast]=$flycast_pid
  # User and system CPU ticks of a list of processes, as "user system".
  cpu_ticks() { local u=0 s=0 p; for p in $1; do read -r pu ps < <(awk '{print $14, $15}' /proc/$p/stat); u=$((u + pu)); s=$((s + ps)); done; echo "$u $s"; }
  echo "== data plane: wrk -t2 -c$CONNS -d$DUR, $ROUNDS interleaved rounds, median of rounds; $THREADS threads per proxy; headers: $HEADERS =="
  # wrk prints 850.00us / 1.20ms / 1.01s: normalise to microseconds so medians sort right.
  to_us() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n*1000; else print n*1000000 }'; }
  tick_us=$((1000000 / $(getconf CLK_TCK)))
  declare -A rps p50 p99 cpu usr
  for r in $(seq 1 $ROUNDS); do
    for target in direct:18081 nginx:18082 haproxy:18083 flycast:18084; do
      name=${target%%:*}; port=${target##*:}
      read -r u0 s0 <<<"$(cpu_ticks "${procs[$name]}")"
      out=$(wrk -t2 -c$CONNS -d$DUR --latency -H 'Host: web.default.flycast' http://127.0.0.1:$port/)
      read -r u1 s1 <<<"$(cpu_ticks "${procs[$name]}")"
      n=$(awk '/requests in/ {print $1}' <<<"$out")
      rps[$name]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
      p50[$name]+="$(to_us "$(awk '$1=="50%" {print $2}' <<<"$out")") "
      p99[$name]+="$(to_us "$(awk '$1=="99%" {print $2}' <<<"$out")") "
      # CPU time (user + system) of the target's processes per request: steadier than requests/s
      # on a shared machine, and what decides throughput when the cores are the limit.
      cpu[$name]+="$(awk -v t=$(( (u1 - u0 + s1 - s0) * tick_us )) -v n="$n" 'BEGIN {printf "%.1f", t / n}') "
      usr[$name]+="$(awk -v t=$(( (u1 - u0) * tick_us )) -v n="$n" 'BEGIN {printf "%.1f", t / n}') "
    done
  done
  direct=$(median <<<"${rps[direct]}")
  nginx_rps=$(median <<<"${rps[nginx]}")
  for name in direct nginx haproxy flycast; do
    m=$(median <<<"${rps[$name]}")
    printf '%-8s rps median %10s  (%.2fx direct, %.2fx nginx)  p50 %sus  p99 %sus  cpu %sus/request (user %s)   [rps rounds: %s]\n' "$name" "$m" \
      "$(ratio "$m" "$direct")" "$(ratio "$m" "$nginx_rps")" \
      "$(median <<<"${p50[$name]}")" "$(median <<<"${p99[$name]}")" "$(median <<<"${cpu[$name]}")" \
      "$(median <<<"${usr[$name]}")" "${rps[$name]}"
  done
  # Paired: each proxy's round against nginx's round of the same pass (8-16 s apart), then the median of
  # those ratios. The host's load drifts over minutes; a pair mostly shares it, so these ratios
  # move less between runs than the ratio of the two medians above.
  paired() { paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') \
    | awk '{printf "%.3f ", $1 / $2}'; }
  for name in haproxy flycast; do
    r=$(paired "${rps[$name]}" "${rps[nginx]}"); q=$(paired "${p99[$name]}" "${p99[nginx]}")
    printf '%-8s vs nginx, paired by round: rps %.2fx  p99 %.2fx (median of rounds)   [rps: %s] [p99: %s]\n' "$name" \
      "$(median <<<"$r")" "$(median <<<"$q")" "$r" "$q"
  done
  end_section
fi

if [[ $WHAT == all || $WHAT == cache ]]; then
  need_tools "nginx wrk" "nginx-light wrk"
  new_tmp
  # Backend: nginx (one worker) answering a 1 KiB body with Cache-Control: max-age=3600 on 18111,
  # logging each request it gets. In front, each with THREADS workers: nginx with proxy_cache (its
  # cache on disk under the temp dir, so in the page cache: nginx's usual setup) on 18112, and
  # Flycast with the route's cache (bodies in direct memory) on 18114. After the first request
  # every request is a hit: this measures serving from the cache, not proxying.
  THREADS=${THREADS:-$(nproc)}
  # nginx's workers (www-data when started as root) write the cache: they need a way in.
  chmod 755 $tmp && mkdir -m 777 $tmp/cache
  BODY=$(head -c 1024 /dev/zero | tr '\0' x)
  cat > $tmp/backend.conf <<CONF
worker_processes 1;
error_log $tmp/backend-error.log;
pid $tmp/backend.pid;
events { worker_connections 4096; }
http {
  access_log $tmp/backend-access.log;
  server { listen 127.0.0.1:18111; location / { add_header Cache-Control "max-age=3600"; return 200 "$BODY"; } }
}
CONF
  cat > $tmp/nginx.conf <<CONF
worker_processes $THREADS;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:18111; keepalive 64; }
  proxy_cache_path $tmp/cache levels=1:2 keys_zone=objects:10m max_size=256m inactive=60m use_temp_path=off;
  server { listen 127.0.0.1:18112; location / { proxy_pass http://backend; proxy_http_version 1.1;
    proxy_set_header Connection ""; proxy_cache objects; add_header Cache-Status "nginx; \$upstream_cache_status"; } }
}
CONF
  nginx -c $tmp/backend.conf -p $tmp
  nginx -c $tmp/nginx.conf -p $tmp
  FLYCAST_JVM="-Dflycast.bench.workers=$THREADS -Dflycast.bench.cache=true" start_flycast 18114 127.0.0.1 18111
  wrk -t2 -c32 -d${WARMUP:-40}s -H 'Host: web.default.flycast' http://127.0.0.1:18114/ >/dev/null
  wrk -t2 -c32 -d5s -H 'Host: web.default.flycast' http://127.0.0.1:18112/ >/dev/null
  for target in nginx:18112 flycast:18114; do
    echo "${target%%:*}: $(curl -s -D - -o /dev/null -H 'Host: web.default.flycast' http://127.0.0.1:${target##*:}/ \
      | grep -i -E '^(cache-status|content-length):' | tr -d '\r' | tr '\n' ' ')"
  done
  declare -A cprocs
  cprocs[nginx]=$(pgrep -P "$(cat $tmp/nginx.pid)" | tr '\n' ' ')
  cprocs[flycast]=$flycast_pid
  ticks() { local u=0 s=0 p; for p in $1; do read -r pu ps < <(awk '{print $14, $15}' /proc/$p/stat); u=$((u + pu)); s=$((s + ps)); done; echo $((u + s)); }
  to_us() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n*1000; else print n*1000000 }'; }
  tick_us=$((1000000 / $(getconf CLK_TCK)))
  CONNS=${CONNECTIONS:-32}
  echo "== cached responses: wrk -t2 -c$CONNS -d$DUR, $ROUNDS interleaved rounds, median of rounds; $THREADS threads per proxy; 1 KiB body =="
  declare -A crps cp50 cp99 ccpu
  for r in $(seq 1 $ROUNDS); do
    for target in nginx:18112 flycast:18114; do
      name=${target%%:*}
      t0=$(ticks "${cprocs[$name]}")
      out=$(wrk -t2 -c$CONNS -d$DUR --latency -H 'Host: web.default.flycast' http://127.0.0.1:${target##*:}/)
      t1=$(ticks "${cprocs[$name]}")
      n=$(awk '/requests in/ {print $1}' <<<"$out")
      crps[$name]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
      cp50[$name]+="$(to_us "$(awk '$1=="50%" {print $2}' <<<"$out")") "
      cp99[$name]+="$(to_us "$(awk '$1=="99%" {print $2}' <<<"$out")") "
      ccpu[$name]+="$(awk -v t=$(( (t1 - t0) * tick_us )) -v n="$n" 'BEGIN {printf "%.1f", t / n}') "
    done
  done
  base=$(median <<<"${crps[nginx]}")
  for name in nginx flycast; do
    m=$(median <<<"${crps[$name]}")
    printf '%-8s rps median %10s  (%.2fx nginx)  p50 %sus  p99 %sus  cpu %sus/request   [rps rounds: %s]\n' "$name" "$m" \
      "$(ratio "$m" "$base")" "$(median <<<"${cp50[$name]}")" "$(median <<<"${cp99[$name]}")" \
      "$(median <<<"${ccpu[$name]}")" "${crps[$name]}"
  done
  echo "requests that reached the backend: $(wc -l < $tmp/backend-access.log)"
  end_section
fi

if [[ $WHAT == all || $WHAT == tcp ]]; then
  need_whole_seconds tcp
  need_tools "nginx haproxy iperf3" "nginx-light haproxy iperf3"
  # nginx's TCP proxy is the stream module, a separate package on Debian (nginx-light lacks it).
  STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
  [[ -f $STREAM_MODULE ]] || { echo "installing libnginx-mod-stream"; apt-get install -y -qq libnginx-mod-stream >/dev/null || true; }
  new_tmp
  # Backend: an iperf3 server on 18091. Relays in front of it, each a plain TCP proxy: nginx
  # stream 18092, HAProxy mode tcp 18093, Flycast 18094 (a route port with no handlers, on its
  # dedicated listener). iperf3's control and data connections both go through the relay.
  targets="direct:18091 haproxy:18093 flycast:18094"
  if [[ -f $STREAM_MODULE ]]; then
    targets="direct:18091 nginx:18092 haproxy:18093 flycast:18094"
    cat > $tmp/nginx.conf <<CONF
load_module $STREAM_MODULE;
worker_processes 1;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
stream {
  server { listen 127.0.0.1:18092; proxy_pass 127.0.0.1:18091; }
}
CONF
    nginx -c $tmp/nginx.conf -p $tmp
  else
    echo "nginx has no stream module (libnginx-mod-stream): nginx skipped"
  fi
  # Long timeouts: iperf3's control connection is idle while a test runs.
  cat > $tmp/haproxy.cfg <<CONF
global
  maxconn 4096
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 10m
  timeout server 10m
frontend fe
  bind 127.0.0.1:18093
  default_backend be
backend be
  server b1 127.0.0.1:18091
CONF
  haproxy -f $tmp/haproxy.cfg -D -p $tmp/haproxy.pid
  iperf3 -s -p 18091 --forceflush > $tmp/iperf3.log 2>&1 &
  wait_log $tmp/iperf3.log 'Server listening'
  start_flycast 18095 127.0.0.1 18091 --tcp=18094:18091
  STREAMS=${STREAMS:-1}
  # Gbit/s the iperf3 receiver saw (the last "receiver" line: with -P > 1 that is the [SUM] line).
  gbits() { iperf3 -c 127.0.0.1 -p $1 -t $2 -P $STREAMS -f g | awk '/receiver/ {v=$(NF-2)} END {print v}'; }
  # Warm the JIT before measuring.
  gbits 18094 ${WARMUP:-5} >/dev/null
  echo "== raw TCP throughput: iperf3 -P$STREAMS -t$SECS (client -> server), $ROUNDS interleaved rounds, median of rounds =="
  interleaved gbits Gbit/s direct $targets
  end_section
fi

if [[ $WHAT == all || $WHAT == tls ]]; then
  need_whole_seconds tls
  need_tools "nginx haproxy openssl" "nginx-light haproxy openssl"
  new_tmp
  # One self-signed ECDSA P-256 certificate for all three (PKCS#8 key, which Netty reads too).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=web.default.flycast \
    -keyout $tmp/key.pem -out $tmp/cert.pem 2>/dev/null
  cat $tmp/cert.pem $tmp/key.pem > $tmp/haproxy.pem
  # Backend: nginx answering a small body on 18101 (s_time sends no request, so it only matters
  # to check the routes work). TLS terminated by nginx 18102, HAProxy 18103, Flycast 18104 (a
  # route port with the tls and http handlers, on its dedicated listener); TLS 1.2 and 1.3 on all.
  cat > $tmp/nginx.conf <<CONF
worker_processes 1;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:18101; keepalive 64; }
  server { listen 127.0.0.1:18101; location / { return 200 "hello from the backend\n"; } }
  server {
    listen 127.0.0.1:18102 ssl;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  cat > $tmp/haproxy.cfg <<CONF
global
  maxconn 4096
  nbthread 1
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:18103 ssl crt $tmp/haproxy.pem
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:18101
CONF
  nginx -c $tmp/nginx.conf -p $tmp
  haproxy -f $tmp/haproxy.cfg -D -p $tmp/haproxy.pid
  start_flycast 18105 127.0.0.1 18101 --tls=18104:18101 --cert=$tmp/cert.pem --key=$tmp/key.pem
  targets="nginx:18102 haproxy:18103 flycast:18104"
  # What each one negotiates with openssl's defaults (the same for all three, or the figures do
  # not compare), and that it serves the route.
  for target in $targets; do
    name=${target%%:*}; port=${target##*:}
    hs=$(openssl s_client -connect 127.0.0.1:$port </dev/null 2>/dev/null \
      | awk '/^New, / {p=$2; c=$NF} /^Server Temp Key:/ {k=$4} END {print p, c, k}' | tr -d ',')
    body=$(curl -sk https://127.0.0.1:$port/ -H 'Host: web.default.flycast')
    echo "$name: $hs; GET / -> $body"
  done
  TLS_CLIENTS=${TLS_CLIENTS:-1}
  # Full handshakes per second: TLS_CLIENTS parallel `openssl s_time -new` (a new connection and
  # full handshake each time, no request), their connections over the wall time.
  handshakes() {
    local port=$1 secs=$2 pids=() t0 t1 n
    t0=$(date +%s.%N)
    for c in $(seq 1 $TLS_CLIENTS); do
      openssl s_time -connect 127.0.0.1:$port -new -time $secs > $tmp/s_time.$c 2>&1 & pids+=($!)
    done
    wait "${pids[@]}"
    t1=$(date +%s.%N)
    n=$(cat $tmp/s_time.* | awk '/connections in .* real seconds/ {n+=$1} END {print n+0}')
    rm -f $tmp/s_time.*
    awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n/(b-a)}'
  }
  # Warm the JIT before measuring.
  handshakes 18104 ${WARMUP:-15} >/dev/null
  echo "== TLS handshakes: $TLS_CLIENTS x openssl s_time -new -time $SECS, $ROUNDS interleaved rounds, median of rounds =="
  interleaved handshakes handshakes/s nginx $targets
  end_section
fi
