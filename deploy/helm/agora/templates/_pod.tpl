{{/* The pod template of one component. Call with (list $ name settings). */}}
{{- define "agora.pod" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $c := index . 2 -}}
metadata:
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
  annotations:
    {{- if $root.Values.secrets.create }}
    checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    {{- end }}
    {{- with $c.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ $c.terminationGracePeriodSeconds }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ $name }}
      image: {{ include "agora.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: [{{ $name | quote }}]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        privileged: false
        capabilities:
          drop: [ALL]
      env:
        {{- include "agora.env" (list $root $name $c) | trim | nindent 8 }}
      ports:
        {{- if $c.http }}
        - {name: http, containerPort: {{ include "agora.httpPort" $root }}, protocol: TCP}
        {{- else }}
        - {name: grpc, containerPort: {{ include "agora.grpcPort" $root }}, protocol: TCP}
        - {name: metrics, containerPort: {{ include "agora.metricsPort" $root }}, protocol: TCP}
        {{- end }}
      {{- include "agora.probes" (list $root $c) | nindent 6 }}
      {{- with $c.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - {name: tmp, mountPath: /tmp}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
  {{- with $c.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* Environment: fixed ports, every service's address, telemetry, env, secretEnv. */}}
{{- define "agora.env" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $c := index . 2 -}}
{{- $vars := dict -}}
{{- if $c.http }}
{{- $_ := set $vars "GATEWAY_HOST" "0.0.0.0" -}}
{{- $_ := set $vars "GATEWAY_PORT" (include "agora.httpPort" $root) -}}
{{- else }}
{{- $_ := set $vars "GRPC_HOST" "0.0.0.0" -}}
{{- $_ := set $vars "GRPC_PORT" (include "agora.grpcPort" $root) -}}
{{- $_ := set $vars "METRICS_PORT" (include "agora.metricsPort" $root) -}}
{{- end }}
{{- range $other, $entry := $root.Values.components -}}
{{- if and $entry.enabled (not $entry.http) -}}
{{- $_ := set $vars (printf "%s_ADDR" (upper $other)) (printf "%s:%s" (include "agora.componentName" (list $root $other)) (include "agora.grpcPort" $root)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $vars "LOG_LEVEL" $root.Values.telemetry.logLevel -}}
{{- $_ := set $vars "NATS_STREAM_REPLICAS" (toString $root.Values.nats.streamReplicas) -}}
{{- with $root.Values.telemetry.otlpEndpoint -}}
{{- $_ := set $vars "OTEL_EXPORTER_OTLP_ENDPOINT" . -}}
{{- end -}}
{{- range $key, $value := $c.env -}}
{{- $_ := set $vars $key (toString $value) -}}
{{- end -}}
{{- range $key := keys $vars | sortAlpha }}
- name: {{ $key }}
  value: {{ index $vars $key | quote }}
{{- end }}
{{- range $key := keys $c.secretEnv | sortAlpha }}
{{- $ref := index $c.secretEnv $key }}
{{- $secretKey := "" }}
{{- $optional := false }}
{{- if kindIs "string" $ref }}{{ $secretKey = $ref }}
{{- else if kindIs "map" $ref }}{{ $secretKey = $ref.key }}{{ $optional = $ref.optional | default false }}
{{- end }}
{{- if $secretKey }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "agora.secretName" $root }}
      key: {{ $secretKey }}
      {{- if $optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Probes: native gRPC health (liveness on "liveness", readiness on ""), or HTTP. */}}
{{- define "agora.probes" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- if $c.http -}}
startupProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /readyz, port: http}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- else -}}
startupProbe:
  grpc: {port: {{ include "agora.grpcPort" $root }}, service: liveness}
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  grpc: {port: {{ include "agora.grpcPort" $root }}, service: liveness}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  grpc: {port: {{ include "agora.grpcPort" $root }}}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}
{{- end -}}
