{{/* The objects of one component. Each is called with (list $ name settings). */}}

{{- define "agora.deployment" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $c := index . 2 -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "agora.componentName" (list $root $name) }}
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
spec:
  {{- if not $c.autoscaling.enabled }}
  replicas: {{ $c.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "agora.componentSelector" (list $root $name) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  template:
    {{- include "agora.pod" (list $root $name $c) | nindent 4 }}
{{- end -}}

{{- define "agora.service" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $c := index . 2 -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "agora.componentName" (list $root $name) }}
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "agora.componentSelector" (list $root $name) | nindent 4 }}
  ports:
    {{- if $c.http }}
    - {name: http, port: {{ include "agora.httpPort" $root }}, targetPort: http, protocol: TCP}
    {{- else }}
    - {name: grpc, port: {{ include "agora.grpcPort" $root }}, targetPort: grpc, protocol: TCP, appProtocol: grpc}
    - {name: metrics, port: {{ include "agora.metricsPort" $root }}, targetPort: metrics, protocol: TCP}
    {{- end }}
{{- end -}}

{{- define "agora.hpa" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $c := index . 2 -}}
{{- $a := $c.autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "agora.componentName" (list $root $name) }}
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "agora.componentName" (list $root $name) }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: {{ $a.targetCPUUtilizationPercentage }}}
    {{- if $a.consumerLag.enabled }}
    - type: External
      external:
        metric:
          name: agora_consumer_pending_messages
          selector:
            matchLabels:
              service: {{ $name }}
              namespace: {{ $root.Release.Namespace }}
        target: {type: AverageValue, averageValue: {{ $a.consumerLag.averageValue | quote }}}
    {{- end }}
{{- end -}}

{{- define "agora.pdb" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $c := index . 2 -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "agora.componentName" (list $root $name) }}
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
spec:
  maxUnavailable: {{ $c.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "agora.componentSelector" (list $root $name) | nindent 6 }}
{{- end -}}

{{- define "agora.serviceMonitor" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $c := index . 2 -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "agora.componentName" (list $root $name) }}
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
    {{- with $root.Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "agora.componentSelector" (list $root $name) | nindent 6 }}
  endpoints:
    - port: {{ if $c.http }}http{{ else }}metrics{{ end }}
      path: /metrics
      interval: {{ $root.Values.serviceMonitor.interval }}
      relabelings:
        # `component` names the scraped process (the dashboards' saturation panels);
        # the metrics' own `service` label names the emitting service.
        - sourceLabels: [__meta_kubernetes_pod_label_app_kubernetes_io_component]
          targetLabel: component
{{- end -}}

{{/* Who may open a connection to the component: the gateway from gatewayFrom (anyone by
default); a gRPC service from the gateway and its declared callers only; /metrics from
metricsFrom. Everything else is refused by the release's default-deny policy. */}}
{{- define "agora.networkPolicy" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}{{- $c := index . 2 -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "agora.componentName" (list $root $name) }}
  labels:
    {{- include "agora.componentLabels" (list $root $name) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "agora.componentSelector" (list $root $name) | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- if $c.http }}
    - ports:
        - {port: http, protocol: TCP}
      {{- with $root.Values.networkPolicy.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- if and $root.Values.networkPolicy.gatewayFrom $root.Values.networkPolicy.metricsFrom }}
    # The gateway serves /metrics on its HTTP port: Prometheus may reach it too.
    - ports:
        - {port: http, protocol: TCP}
      from:
        {{- toYaml $root.Values.networkPolicy.metricsFrom | nindent 8 }}
    {{- end }}
    {{- else }}
    - ports:
        - {port: grpc, protocol: TCP}
      from:
        - podSelector:
            matchExpressions:
              - {key: app.kubernetes.io/instance, operator: In, values: [{{ $root.Release.Name | quote }}]}
              - key: app.kubernetes.io/component
                operator: In
                values: {{ prepend ($c.callers | default list) "gateway" | uniq | toJson }}
    {{- with $root.Values.networkPolicy.metricsFrom }}
    - ports:
        - {port: metrics, protocol: TCP}
      from:
        {{- toYaml . | nindent 8 }}
    {{- end }}
    {{- end }}
{{- end -}}
