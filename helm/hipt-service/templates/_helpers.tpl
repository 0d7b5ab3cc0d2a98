{{- define "hipt.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
{{- define "hipt.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
{{- define "hipt.env" -}}
- {name: SPRING_PROFILES_ACTIVE, value: postgres}
- {name: HIPT_DB_URL, value: {{ .Values.database.url | quote }}}
- name: HIPT_DB_USER
  valueFrom: {secretKeyRef: {name: {{ .Values.database.existingSecret }}, key: username}}
- name: HIPT_DB_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ .Values.database.existingSecret }}, key: password}}
- {name: HIPT_STORAGE_TYPE, value: s3}
- {name: HIPT_STORAGE_S3_ENDPOINT, value: {{ .Values.storage.s3.endpoint | quote }}}
- {name: HIPT_STORAGE_S3_BUCKET, value: {{ .Values.storage.s3.bucket | quote }}}
- {name: HIPT_STORAGE_S3_REGION, value: {{ .Values.storage.s3.region | quote }}}
- {name: HIPT_STORAGE_S3_PATHSTYLE, value: {{ .Values.storage.s3.pathStyle | quote }}}
- name: HIPT_STORAGE_S3_ACCESSKEY
  valueFrom: {secretKeyRef: {name: {{ .Values.storage.s3.existingSecret }}, key: access-key}}
- name: HIPT_STORAGE_S3_SECRETKEY
  valueFrom: {secretKeyRef: {name: {{ .Values.storage.s3.existingSecret }}, key: secret-key}}
- {name: HIPT_MODEL_VIT256CHECKPOINT, value: {{ .Values.model.vit256Checkpoint | quote }}}
- {name: HIPT_MODEL_VIT4KCHECKPOINT, value: {{ .Values.model.vit4kCheckpoint | quote }}}
- {name: HIPT_MODEL_SUBTYPECHECKPOINT, value: {{ .Values.model.subtypeCheckpoint | quote }}}
- {name: HIPT_MODEL_SUBTYPECLASSES, value: {{ .Values.model.subtypeClasses | quote }}}
- {name: HIPT_MODEL_SURVIVALCHECKPOINT, value: {{ .Values.model.survivalCheckpoint | quote }}}
- {name: HIPT_MODEL_DEVICE, value: {{ .Values.model.device | quote }}}
{{- range $i, $k := .Values.apiKeys }}
- {name: HIPT_SECURITY_APIKEYS_{{ $i }}_NAME, value: {{ $k.name | quote }}}
- {name: HIPT_SECURITY_APIKEYS_{{ $i }}_ROLE, value: {{ $k.role | quote }}}
- {name: HIPT_SECURITY_APIKEYS_{{ $i }}_KEYSHA256, value: {{ $k.keySha256 | quote }}}
{{- end }}
{{- end -}}
{{- define "hipt.probes" -}}
startupProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  failureThreshold: 60
  periodSeconds: 5
livenessProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: 10
readinessProbe:
  httpGet: {path: /actuator/health/readiness, port: http}
  periodSeconds: 10
{{- end -}}
