-- Analysis results (feature: results). Runs unchanged on H2 and PostgreSQL.
-- Float vectors are float32 little-endian bytes (bytea on both databases); JSON documents are plain varchar.

CREATE TABLE region_embedding (
    slide_id        uuid                     NOT NULL REFERENCES slides (id) ON DELETE CASCADE,
    model_version   varchar(64)              NOT NULL,
    region_index    integer                  NOT NULL,
    x               bigint                   NOT NULL,
    y               bigint                   NOT NULL,
    width           bigint                   NOT NULL,
    height          bigint                   NOT NULL,
    tissue_fraction double precision         NOT NULL,
    cls4k           bytea                    NOT NULL,
    mean256         bytea                    NOT NULL,
    cls256_blob_key varchar(512),
    created_at      timestamp with time zone NOT NULL,
    PRIMARY KEY (slide_id, model_version, region_index)
);

CREATE TABLE slide_result (
    slide_id        uuid                     NOT NULL REFERENCES slides (id) ON DELETE CASCADE,
    model_version   varchar(64)              NOT NULL,
    regions         integer                  NOT NULL,
    mean_cls4k      bytea                    NOT NULL,
    untrained       boolean                  NOT NULL,
    provenance      varchar                  NOT NULL,
    subtype         varchar,
    survival        varchar,
    created_at      timestamp with time zone NOT NULL,
    PRIMARY KEY (slide_id, model_version)
);

CREATE INDEX slide_result_model_version ON slide_result (model_version);
