#!/usr/bin/env bash
# Copies the generated CRDs (crds/, from `make manifests`) into the chart, adding only template
# lines: the crds.install guard and the chart's labels/keep annotation under metadata. Every
# other byte is the generated file's, which HelmChartE2E checks. Run after `make manifests`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=charts/flycast/templates/crds
mkdir -p "$out"
rm -f "$out"/*.yaml
for f in crds/*.yml; do
  base=$(basename "$f" .yml)
  {
    echo '{{- if .Values.crds.install }}'
    # The generated metadata holds exactly one key, name; the chart's metadata follows it.
    awk '{ print } /^metadata:$/ { inmeta = 1; next } inmeta && /^  name: / {
           print "  {{- include \"flycast.crdMetadata\" . | nindent 2 }}"; inmeta = 0 }' "$f"
    echo '{{- end }}'
  } > "$out/$base.yaml"
done
echo "synced $(ls crds/*.yml | wc -l) CRDs into $out"
