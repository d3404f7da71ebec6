{{/* Labels on every object; the selector uses only app.kubernetes.io/name. */}}
{{- define "eci-kubelet.labels" -}}
app.kubernetes.io/name: eci-kubelet
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The virtual node names, one per Deployment. */}}
{{- define "eci-kubelet.nodes" -}}
{{- $n := int .Values.node.count -}}
{{- if lt $n 1 }}{{ fail "node.count must be at least 1" }}{{ end -}}
{{- if eq $n 1 -}}
{{ .Values.node.name }}
{{- else -}}
{{- range $i := until $n }}{{ if $i }},{{ end }}{{ printf "%s-%d" $.Values.node.name $i }}{{ end -}}
{{- end -}}
{{- end }}

{{/* The bridge's config.yaml. */}}
{{- define "eci-kubelet.config" -}}
{{- $c := deepCopy .Values.config -}}
{{- $node := merge (dict "name" .Values.node.name "taint" .Values.node.taint) (get $c "node" | default dict) -}}
{{- $_ := set $c "node" $node -}}
{{- $eci := get $c "eci" | default dict -}}
{{- $_ := set $eci "ramRole" (ternary .Values.credentials.ramRole "" (eq .Values.credentials.source "ramRole")) -}}
{{- $_ := set $c "eci" $eci -}}
{{- $le := dict "enabled" .Values.leaderElection.enabled "namespace" .Release.Namespace "name" "" "leaseDuration" .Values.leaderElection.leaseDuration "renewDeadline" .Values.leaderElection.renewDeadline "retryPeriod" .Values.leaderElection.retryPeriod -}}
{{- $_ := set $c "leaderElection" $le -}}
{{- toYaml $c -}}
{{- end }}
