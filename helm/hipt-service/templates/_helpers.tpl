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
- {name: HIPT_STORAGE_S3_PATH_STYLE, value: {{ .Values.storage.s3.pathStyle | quote }}}
- name: HIPT_STORAGE_S3_ACCESS_KEY
  valueFrom: {secretKeyRef: {name: {{ .Values.storage.s3.existingSecret }}, key: access-key}}
- name: HIPT_STORAGE_S3_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ .Values.storage.s3.existingSecret }}, key: secret-key}}
- {name: HIPT_MODEL_VIT256_CHECKPOINT, value: {{ .Values.model.vit256Checkpoint | quote }}}
- {name: HIPT_MODEL_VIT4K_CHECKPOINT, value: {{ .Values.model.vit4kCheckpoint | quote }}}
- {name: HIPT_MODEL_SUBTYPE_CHECKPOINT, value: {{ .Values.model.subtypeCheckpoint | quote }}}
- {name: HIPT_MODEL_SUBTYPE_CLASSES, value: {{ .Values.model.subtypeClasses | quote }}}
- {name: HIPT_MODEL_SURVIVAL_CHECKPOINT, value: {{ .Values.model.survivalCheckpoint | quote }}}
- {name: HIPT_MODEL_DEVICE, value: {{ .Values.model.device | quote }}}
{{- range $i, $k := .Values.apiKeys }}
- {name: HIPT_SECURITY_API_KEYS_{{ $i }}_NAME, value: {{ $k.name | quote }}}
- {name: HIPT_SECURITY_API_KEYS_{{ $i }}_ROLE, value: {{ $k.role | quote }}}
- {name: HIPT_SECURITY_API_KEYS_{{ $i }}_KEY_SHA256, value: {{ $k.keySha256 | quote }}}
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
