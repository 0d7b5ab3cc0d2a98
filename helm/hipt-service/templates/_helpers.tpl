{{/* Names and labels shared by every object of the release. */}}
{{- define "hipt.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (.Values.nameOverride | default .Chart.Name) | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hipt.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Values.nameOverride | default .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of one role: include with (dict "ctx" . "component" "api") */}}
{{- define "hipt.selector" -}}
app.kubernetes.io/name: {{ .ctx.Values.nameOverride | default .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hipt.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "hipt.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "hipt.secretName" -}}
{{- .Values.secret.existingSecret | default (printf "%s-credentials" (include "hipt.fullname" .)) -}}
{{- end -}}

{{/* Credentials: from the chart's Secret or the operator's existingSecret (keys documented in values.yaml). */}}
{{- define "hipt.secretEnv" -}}
- name: HIPT_DB_USER
  valueFrom: {secretKeyRef: {name: {{ include "hipt.secretName" . }}, key: db-username}}
- name: HIPT_DB_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ include "hipt.secretName" . }}, key: db-password}}
- name: HIPT_STORAGE_S3_ACCESSKEY
  valueFrom: {secretKeyRef: {name: {{ include "hipt.secretName" . }}, key: s3-access-key, optional: true}}
- name: HIPT_STORAGE_S3_SECRETKEY
  valueFrom: {secretKeyRef: {name: {{ include "hipt.secretName" . }}, key: s3-secret-key, optional: true}}
{{- range $i, $k := .Values.apiKeys }}
- name: HIPT_SECURITY_APIKEYS_{{ $i }}_KEYSHA256
  valueFrom: {secretKeyRef: {name: {{ include "hipt.secretName" $ }}, key: {{ printf "api-key-%s-sha256" $k.name }}}}
{{- end }}
{{- end -}}

{{/* Pod and container security: the image's non-root user, read-only root filesystem. */}}
{{- define "hipt.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end -}}
{{- define "hipt.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}

{{- define "hipt.probes" -}}
startupProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet: {path: /actuator/health/readiness, port: http}
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end -}}

{{/* Volumes both roles mount: writable scratch for a read-only root filesystem, and the weights. */}}
{{- define "hipt.volumeMounts" -}}
- {name: data, mountPath: /var/lib/hipt/data}
- {name: djl-cache, mountPath: /var/lib/hipt/.djl.ai}
- {name: tmp, mountPath: /tmp}
{{- if .Values.model.weights.existingClaim }}
- {name: weights, mountPath: {{ .Values.model.weights.mountPath }}, readOnly: true}
{{- end }}
{{- end -}}
{{- define "hipt.volumes" -}}
- name: djl-cache
  emptyDir: {sizeLimit: 2Gi}
- name: tmp
  emptyDir: {sizeLimit: 1Gi}
{{- if .Values.model.weights.existingClaim }}
- name: weights
  persistentVolumeClaim: {claimName: {{ .Values.model.weights.existingClaim }}, readOnly: true}
{{- end }}
{{- end -}}
