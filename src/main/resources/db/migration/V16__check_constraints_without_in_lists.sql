-- The CHECK constraints of V2, V5 and V12 written without "x IN (constants)". H2 (2.4) evaluates such a list with
-- the session that created the constraint; once that connection was closed (a pool retires every connection after
-- its maximum lifetime, the migrating one included) every insert or update the constraint checks failed with "Check
-- constraint invalid ... The database has been closed", until a restart. Same rules, same names; on PostgreSQL only
-- the spelling changes.
ALTER TABLE analysis_job DROP CONSTRAINT analysis_job_status_chk;
ALTER TABLE analysis_job ADD CONSTRAINT analysis_job_status_chk CHECK (
    status = ANY (ARRAY['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']));

ALTER TABLE analysis_job DROP CONSTRAINT analysis_job_active_chk;
ALTER TABLE analysis_job ADD CONSTRAINT analysis_job_active_chk CHECK (
    (status = ANY (ARRAY['QUEUED', 'RUNNING']) AND active_slide_id = slide_id)
    OR (NOT status = ANY (ARRAY['QUEUED', 'RUNNING']) AND active_slide_id IS NULL));

ALTER TABLE pretraining_job DROP CONSTRAINT pretraining_job_status_chk;
ALTER TABLE pretraining_job ADD CONSTRAINT pretraining_job_status_chk CHECK (
    status = ANY (ARRAY['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']));

ALTER TABLE pretraining_job DROP CONSTRAINT pretraining_job_stage_chk;
ALTER TABLE pretraining_job ADD CONSTRAINT pretraining_job_stage_chk CHECK (stage = ANY (ARRAY[1, 2]));
