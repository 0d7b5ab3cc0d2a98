-- Reanalysis that recomputes (issue 7). Runs unchanged on H2 and PostgreSQL.

-- 1. A region result is identified by its level-0 geometry and the model version that encoded it, no longer by its
--    position in the list of kept grid cells: a new mpp or new tissue settings change the grid, and a region index
--    then names another place on the slide. region_index stays as the region's position in the newest grid (the
--    order of /embeddings and of the patches .npy). job_id is the analysis job that computed the region.
--    The primary key of V4 has no portable name to drop, so the table is rebuilt.
CREATE TABLE region_embedding_v5 (
    slide_id        uuid                     NOT NULL REFERENCES slides (id) ON DELETE CASCADE,
    model_version   varchar(64)              NOT NULL,
    x               bigint                   NOT NULL,
    y               bigint                   NOT NULL,
    width           bigint                   NOT NULL,
    height          bigint                   NOT NULL,
    region_index    integer                  NOT NULL,
    tissue_fraction double precision         NOT NULL,
    cls4k           bytea                    NOT NULL,
    mean256         bytea                    NOT NULL,
    cls256_blob_key varchar(512),
    job_id          uuid,
    created_at      timestamp with time zone NOT NULL,
    CONSTRAINT region_embedding_geometry_pk PRIMARY KEY (slide_id, model_version, x, y, width, height)
);

-- Index-keyed rows could hold one geometry twice (a region stored under two indices of two grids): the newest wins.
INSERT INTO region_embedding_v5 (slide_id, model_version, x, y, width, height, region_index, tissue_fraction, cls4k,
                                 mean256, cls256_blob_key, job_id, created_at)
SELECT r.slide_id, r.model_version, r.x, r.y, r.width, r.height, r.region_index, r.tissue_fraction, r.cls4k,
       r.mean256, r.cls256_blob_key, NULL, r.created_at
FROM region_embedding r
WHERE NOT EXISTS (SELECT 1 FROM region_embedding o
                  WHERE o.slide_id = r.slide_id AND o.model_version = r.model_version AND o.x = r.x
                    AND o.y = r.y AND o.width = r.width AND o.height = r.height
                    AND (o.created_at > r.created_at
                         OR (o.created_at = r.created_at AND o.region_index > r.region_index)));

DROP TABLE region_embedding;
ALTER TABLE region_embedding_v5 RENAME TO region_embedding;
CREATE INDEX region_embedding_order ON region_embedding (slide_id, model_version, region_index);

-- 2. What an analysis job does with stored regions: recompute_all (the caller asked for force) and the counts of
--    regions it found reusable and of stored regions it dropped because they are no longer in the grid.
ALTER TABLE analysis_job ADD COLUMN recompute_all boolean NOT NULL DEFAULT false;
ALTER TABLE analysis_job ADD COLUMN reused_regions integer NOT NULL DEFAULT 0;
ALTER TABLE analysis_job ADD COLUMN dropped_regions integer NOT NULL DEFAULT 0;

-- 3. At most one active (QUEUED or RUNNING) analysis per slide, enforced by the database: active_slide_id is the
--    slide id while the job is active and null once it has ended; the unique constraint allows any number of nulls.
ALTER TABLE analysis_job ADD COLUMN active_slide_id uuid;

-- Jobs that were active side by side before this migration: the newest stays, the older ones are cancelled.
UPDATE analysis_job SET active_slide_id = slide_id
WHERE status IN ('QUEUED', 'RUNNING')
  AND NOT EXISTS (SELECT 1 FROM analysis_job newer
                  WHERE newer.slide_id = analysis_job.slide_id AND newer.status IN ('QUEUED', 'RUNNING')
                    AND (newer.created_at > analysis_job.created_at
                         OR (newer.created_at = analysis_job.created_at AND newer.id > analysis_job.id)));
UPDATE analysis_job SET status = 'CANCELLED', finished_at = updated_at, version = version + 1
WHERE status IN ('QUEUED', 'RUNNING') AND active_slide_id IS NULL;

ALTER TABLE analysis_job ADD CONSTRAINT analysis_job_one_active_per_slide UNIQUE (active_slide_id);
-- Every status change must keep the marker in step; a statement that forgets fails instead of corrupting it.
ALTER TABLE analysis_job ADD CONSTRAINT analysis_job_active_chk CHECK (
    (status IN ('QUEUED', 'RUNNING') AND active_slide_id = slide_id)
    OR (status NOT IN ('QUEUED', 'RUNNING') AND active_slide_id IS NULL));

-- 4. One row that every submission locks (SELECT ... FOR UPDATE) before it counts the queue and inserts its job,
--    so that the hipt.job.max-queued check and the insert are one atomic step across threads and replicas.
CREATE TABLE analysis_queue_lock (
    id integer NOT NULL PRIMARY KEY
);
INSERT INTO analysis_queue_lock (id) VALUES (1);
