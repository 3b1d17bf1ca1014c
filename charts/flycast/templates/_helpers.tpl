{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "flycast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, with the chart name appended unless the release
name already contains it. Truncated to 63 characters (the DNS-1123 label limit).
*/}}
{{- define "flycast.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
name-version, as in the helm.sh/chart label.
*/}}
{{- define "flycast.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels every object carries.
*/}}
{{- define "flycast.labels" -}}
helm.sh/chart: {{ include "flycast.chart" . }}
{{ include "flycast.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flycast
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: stable across upgrades (a Deployment's selector is immutable).
*/}}
{{- define "flycast.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flycast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/*
The ServiceAccount the pods run as.
*/}}
{{- define "flycast.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flycast.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The container image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "flycast.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
host:port for a listener flag. IPv6 hosts are bracketed ("[::]:8080").
*/}}
{{- define "flycast.listen" -}}
{{- $host := .root.Values.listenAddress }}
{{- if contains ":" $host }}
{{- printf "[%s]:%d" (trimAll "[]" $host) (int .port) }}
{{- else }}
{{- printf "%s:%d" $host (int .port) }}
{{- end }}
{{- end }}

{{/*
Metadata the CRDs get besides their generated name: labels, and the keep policy so that
`helm uninstall` does not delete every ExposedService and FlycastIP in the cluster.
*/}}
{{- define "flycast.crdMetadata" -}}
labels:
  {{- include "flycast.labels" . | nindent 2 }}
{{- if .Values.crds.keep }}
annotations:
  helm.sh/resource-policy: keep
{{- end }}
{{- end }}

{{/*
The API group of an apiVersion: "example.com" for "example.com/v1", "" (core) for "v1".
*/}}
{{- define "flycast.apiGroup" -}}
{{- if contains "/" . }}{{ splitList "/" . | first }}{{- end }}
{{- end }}

{{/*
--scale-kinds: the kinds autostop/autostart may scale, exactly those rbac.yaml grants /scale on
(none with autoscale off), as <apiVersion>/<Kind>=<resource>.
*/}}
{{- define "flycast.scaleKinds" -}}
{{- if .Values.autoscale.enabled }}
{{- $kinds := list "apps/v1/Deployment=deployments" "apps/v1/StatefulSet=statefulsets" }}
{{- range .Values.autoscale.extraScaleTargets }}
{{- $kinds = append $kinds (printf "%s/%s=%s" .apiVersion .kind .resource) }}
{{- end }}
{{- join "," $kinds }}
{{- else if .Values.autoscale.extraScaleTargets }}
{{- fail "autoscale.extraScaleTargets needs autoscale.enabled=true: with autoscale off nothing is scaled" }}
{{- end }}
{{- end }}
