{{/* Chart name, or nameOverride. */}}
{{- define "sf-upload-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name: release-name, unless the release name already contains the chart name. */}}
{{- define "sf-upload-exporter.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sf-upload-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sf-upload-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sf-upload-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sf-upload-exporter.labels" -}}
helm.sh/chart: {{ include "sf-upload-exporter.chart" . }}
{{ include "sf-upload-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: exporter
{{- end -}}

{{- define "sf-upload-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sf-upload-exporter.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* True (non-empty) when the exporter runs as shards of a StatefulSet. */}}
{{- define "sf-upload-exporter.sharded" -}}
{{- if gt (int .Values.sharding.shards) 1 -}}true{{- end -}}
{{- end -}}

{{/* True (non-empty) when the web configuration turns on TLS for /metrics and the probes. */}}
{{- define "sf-upload-exporter.webTls" -}}
{{- if and .Values.webConfiguration (hasKey .Values.webConfiguration "tls_server_config") -}}true{{- end -}}
{{- end -}}

{{/*
True (non-empty) when the web configuration makes every TLS client present a certificate
(RequireClientCert is the toolkit's old name of RequireAnyClientCert). The kubelet has none to
present, and /-/healthy and /-/ready are exempt from basic auth only, not from this policy.
*/}}
{{- define "sf-upload-exporter.webClientCertRequired" -}}
{{- if include "sf-upload-exporter.webTls" . -}}
{{- $type := (.Values.webConfiguration.tls_server_config | default dict).client_auth_type | default "" -}}
{{- if has $type (list "RequireAndVerifyClientCert" "RequireAnyClientCert" "RequireClientCert") -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* A ServiceMonitor's scheme: .monitor.scheme (serviceMonitor or azureMonitor), else https when the web configuration turns on TLS. */}}
{{- define "sf-upload-exporter.scrapeScheme" -}}
{{- if .monitor.scheme -}}
{{- .monitor.scheme -}}
{{- else if include "sf-upload-exporter.webTls" .root -}}
https
{{- else -}}
http
{{- end -}}
{{- end -}}

{{/*
A probe from values. With TLS, httpGet gets scheme HTTPS; when TLS also requires a client
certificate, an httpGet probe cannot complete the handshake and becomes a tcpSocket probe of the
same port (the listener accepts connections: the process is up).
*/}}
{{- define "sf-upload-exporter.probe" -}}
{{- $probe := deepCopy .probe -}}
{{- if and (include "sf-upload-exporter.webClientCertRequired" .root) (hasKey $probe "httpGet") -}}
{{- $_ := set $probe "tcpSocket" (dict "port" ($probe.httpGet.port | default "http")) -}}
{{- $_ := unset $probe "httpGet" -}}
{{- else if and (include "sf-upload-exporter.webTls" .root) (hasKey $probe "httpGet") (not (hasKey $probe.httpGet "scheme")) -}}
{{- $_ := set $probe.httpGet "scheme" "HTTPS" -}}
{{- end -}}
{{- toYaml $probe -}}
{{- end -}}

{{/* The pod template shared by the Deployment (one process) and the StatefulSet (shards). */}}
{{- define "sf-upload-exporter.podTemplate" -}}
metadata:
  labels:
    {{- include "sf-upload-exporter.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if .Values.workloadIdentity.enabled }}
    # AKS's workload identity webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and
    # AZURE_FEDERATED_TOKEN_FILE (a projected token) only into pods with this label.
    azure.workload.identity/use: "true"
    {{- end }}
  annotations:
    checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- if .Values.webConfiguration }}
    checksum/web-config: {{ include (print .Template.BasePath "/web-config-secret.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "sf-upload-exporter.serviceAccountName" . }}
  # The exporter never calls the Kubernetes API.
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: exporter
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config.file=/etc/sf-upload-exporter/config.yaml
        - --web.listen-address=:18922
        {{- if ne .Values.telemetryPath "/metrics" }}
        - {{ printf "--web.telemetry-path=%s" .Values.telemetryPath | quote }}
        {{- end }}
        {{- if .Values.webConfiguration }}
        - --web.config.file=/etc/sf-upload-exporter/web/web-config.yml
        {{- end }}
        {{- if include "sf-upload-exporter.sharded" . }}
        # The pod's ordinal (its apps.kubernetes.io/pod-index label) is its shard.
        - --shard.index=$(SHARD_INDEX)
        - --shard.count={{ int .Values.sharding.shards }}
        {{- end }}
        {{- with .Values.extraArgs }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if or (include "sf-upload-exporter.sharded" .) .Values.extraEnv }}
      env:
        {{- if include "sf-upload-exporter.sharded" . }}
        - name: SHARD_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      ports:
        - name: http
          containerPort: 18922
          protocol: TCP
      livenessProbe:
        {{- include "sf-upload-exporter.probe" (dict "probe" .Values.livenessProbe "root" .) | nindent 8 }}
      readinessProbe:
        {{- include "sf-upload-exporter.probe" (dict "probe" .Values.readinessProbe "root" .) | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/sf-upload-exporter/config.yaml
          subPath: config.yaml
          readOnly: true
        {{- if .Values.existingSecret }}
        - name: secrets
          mountPath: /etc/sf-upload-exporter/secrets
          readOnly: true
        {{- end }}
        {{- if .Values.webConfiguration }}
        - name: web-config
          mountPath: /etc/sf-upload-exporter/web
          readOnly: true
        {{- end }}
        - name: tmp
          mountPath: /tmp
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "sf-upload-exporter.fullname" . }}
    {{- if .Values.existingSecret }}
    - name: secrets
      secret:
        secretName: {{ .Values.existingSecret }}
        # 0440, written in decimal: YAML 1.1 and 1.2 parsers read a leading 0 differently.
        defaultMode: 288
    {{- end }}
    {{- if .Values.webConfiguration }}
    - name: web-config
      secret:
        secretName: {{ include "sf-upload-exporter.fullname" . }}-web-config
        # 0440, written in decimal: YAML 1.1 and 1.2 parsers read a leading 0 differently.
        defaultMode: 288
    {{- end }}
    # Writable scratch space for libraries that expect one; the root filesystem stays read-only.
    - name: tmp
      emptyDir:
        sizeLimit: 16Mi
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
The spec of a ServiceMonitor, the same for the Prometheus Operator's (monitoring.coreos.com) and
the Azure Monitor metrics add-on's (azmonitoring.coreos.com): the same job, scheme, TLS and basic
auth. .monitor is serviceMonitor or azureMonitor; .extra is more of spec (the add-on's limits).
*/}}
{{- define "sf-upload-exporter.serviceMonitorSpec" -}}
{{- $root := .root -}}
{{- with .extra -}}
{{ toYaml . }}
{{ end -}}
# job = the Service's jobLabel label (values: jobLabel), the job the alert rules select, whatever
# the release or nameOverride is called.
jobLabel: jobLabel
namespaceSelector:
  matchNames:
    - {{ $root.Release.Namespace }}
selector:
  matchLabels:
    {{- include "sf-upload-exporter.selectorLabels" $root | nindent 4 }}
endpoints:
  - port: http
    path: {{ $root.Values.telemetryPath | quote }}
    scheme: {{ include "sf-upload-exporter.scrapeScheme" . }}
    interval: {{ .monitor.interval }}
    scrapeTimeout: {{ .monitor.scrapeTimeout }}
    {{- with .monitor.tlsConfig }}
    tlsConfig:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .monitor.basicAuth }}
    basicAuth:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .monitor.relabelings }}
    relabelings:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .monitor.metricRelabelings }}
    metricRelabelings:
      {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end -}}
