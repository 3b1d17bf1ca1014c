#!/usr/bin/env bash
# Prints the home of a JDK >= 21: $JAVA_HOME when it qualifies, else the newest under /usr/lib/jvm.
set -euo pipefail
major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}'; }
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/javac" ]] && (( $(major "$JAVA_HOME") >= 21 )); then
  echo "$JAVA_HOME"; exit 0
fi
best=""; best_v=0
for d in /usr/lib/jvm/*/; do
  d=${d%/}
  [[ -x "$d/bin/javac" ]] || continue
  v=$(major "$d" || echo 0)
  if (( v >= 21 && v > best_v )); then best=$d; best_v=$v; fi
done
if [[ -z "$best" ]]; then
  echo "no JDK >= 21 found (looked at \$JAVA_HOME and /usr/lib/jvm); install one, e.g. apt-get install openjdk-21-jdk-headless" >&2
  exit 1
fi
echo "$best"
