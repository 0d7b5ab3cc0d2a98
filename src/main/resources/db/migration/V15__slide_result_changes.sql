-- When each slide's results last changed (feature: results), so every replica's in-memory similar-slides index can
-- pick up what other replicas wrote: a replica polls the rows changed since its last poll (minus a safety overlap)
-- and re-reads those slides' newest slide_result. One row per slide, kept after the slide is deleted (no foreign key)
-- so that the deletion itself is seen; changed_at comes from the database clock, never from a replica's.
CREATE TABLE slide_result_change (
    slide_id   uuid                     NOT NULL PRIMARY KEY,
    changed_at timestamp with time zone NOT NULL
);

CREATE INDEX slide_result_change_changed_at ON slide_result_change (changed_at);
