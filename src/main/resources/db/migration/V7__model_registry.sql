-- The model registry (feature: training, issue 8). Runs unchanged on H2 and PostgreSQL.
-- classes, time_bins and training_metrics are JSON documents in plain varchar, as results' are.

CREATE TABLE registered_model (
    id               uuid                     NOT NULL PRIMARY KEY,
    kind             varchar(32)              NOT NULL,
    name             varchar(255)             NOT NULL,
    sha256           varchar(64)              NOT NULL,
    size_bytes       bigint                   NOT NULL,
    source           varchar(255)             NOT NULL,
    blob_key         varchar(512)             NOT NULL,
    classes          varchar                  NOT NULL,
    time_bins        varchar                  NOT NULL,
    training_metrics varchar                  NOT NULL,
    created_at       timestamp with time zone NOT NULL,
    -- Registering the same bytes as the same kind again finds the first registration.
    CONSTRAINT registered_model_kind_sha256 UNIQUE (kind, sha256)
);

-- The active model of each kind. activated_by is 'config' when start-up made it active from hipt.model.*, 'admin'
-- when POST /api/v1/admin/models/{id}/activate did: a configured model never displaces one an admin chose.
CREATE TABLE active_model (
    kind         varchar(32)              NOT NULL PRIMARY KEY,
    model_id     uuid                     NOT NULL REFERENCES registered_model (id),
    activated_by varchar(16)              NOT NULL,
    activated_at timestamp with time zone NOT NULL
);

-- One row, bumped by every change of active_model in the same transaction: every replica polls it (cheaply) and
-- swaps its models when it moves.
CREATE TABLE model_activation (
    id         integer NOT NULL PRIMARY KEY,
    generation bigint  NOT NULL
);
INSERT INTO model_activation (id, generation) VALUES (1, 0);
