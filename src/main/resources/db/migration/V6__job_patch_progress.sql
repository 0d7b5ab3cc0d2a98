-- Progress within a region (256 x 256 patches through ViT-256) and what a time-left estimate needs: when the
-- current attempt started and how many regions were already stored then.
alter table analysis_job add column done_patches integer not null default 0;
alter table analysis_job add column total_patches integer not null default 0;
alter table analysis_job add column resumed_regions integer not null default 0;
alter table analysis_job add column attempt_started_at timestamp with time zone;
