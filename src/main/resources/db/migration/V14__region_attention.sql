-- HIPT attention maps per region (feature: heatmap). Runs unchanged on H2 and PostgreSQL.
-- Maps are percentiles (HIPT's rank normalisation) stored as one byte each: code c stands for c * 100 / 255.
-- percentile4k: [heads4k x grid4k x grid4k] over the region (grid4k 16, or 32 when smoothed with offsets), computed
--   from the stored cls256 grid or from the pixels; percentile256: [heads256 x (16 * patch grid)^2] over the region's
--   16 px cells, row-major over the whole region, null until computed from the region's pixels.
CREATE TABLE region_attention (
    slide_id      uuid                     NOT NULL REFERENCES slides (id) ON DELETE CASCADE,
    model_version varchar(64)              NOT NULL,
    x             bigint                   NOT NULL,
    y             bigint                   NOT NULL,
    width         bigint                   NOT NULL,
    height        bigint                   NOT NULL,
    heads4k       integer                  NOT NULL,
    grid4k        integer                  NOT NULL,
    percentile4k  bytea                    NOT NULL,
    heads256      integer,
    grid256       integer,
    percentile256 bytea,
    offsets       boolean                  NOT NULL,
    created_at    timestamp with time zone NOT NULL,
    CONSTRAINT region_attention_pk PRIMARY KEY (slide_id, model_version, x, y, width, height)
);
