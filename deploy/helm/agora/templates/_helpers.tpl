{{/* Names and labels shared by every object. */}}

{{- define "agora.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The objects of one component: "<fullname>-<component>". Call with (list $ name). */}}
{{- define "agora.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "agora.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agora.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "agora.labels" -}}
{{ include "agora.selectorLabels" . }}
app.kubernetes.io/part-of: agora
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.consultation.id }}
agora.example.org/consultation: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Labels of one component's objects. Call with (list $ name). */}}
{{- define "agora.componentLabels" -}}
{{- $root := index . 0 -}}
{{ include "agora.labels" $root }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "agora.componentSelector" -}}
{{- $root := index . 0 -}}
{{ include "agora.selectorLabels" $root }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* A component's settings: `default` overridden by its entry (deep merge). Returns YAML. */}}
{{- define "agora.settings" -}}
{{- $root := index . 0 -}}
{{- $entry := index $root.Values.components (index . 1) -}}
{{- toYaml (mergeOverwrite (deepCopy $root.Values.default) (deepCopy $entry)) -}}
{{- end -}}

{{- define "agora.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "agora.fullname" .)) -}}
{{- end -}}

{{- define "agora.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Enabled components, sorted, as a list. */}}
{{- define "agora.enabled" -}}
{{- $names := list -}}
{{- range $name, $entry := .Values.components -}}
{{- if $entry.enabled -}}{{- $names = append $names $name -}}{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $names) -}}
{{- end -}}

{{- define "agora.grpcPort" -}}50051{{- end -}}
{{- define "agora.metricsPort" -}}9464{{- end -}}
{{- define "agora.httpPort" -}}8080{{- end -}}
