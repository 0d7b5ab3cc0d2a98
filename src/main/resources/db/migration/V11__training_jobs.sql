-- Head training jobs (feature: training), run by the analysis engine as task 'head-training'. H2 and PostgreSQL.
CREATE TABLE training_job (
    id               uuid                     NOT NULL PRIMARY KEY,
    task             varchar(16)              NOT NULL,
    label_set_id     uuid                     NOT NULL REFERENCES label_set (id),
    status           varchar(16)              NOT NULL,
    options          varchar                  NOT NULL,
    epoch            integer                  NOT NULL,
    epochs           integer                  NOT NULL,
    history          varchar                  NOT NULL,
    metrics          varchar,
    model_id         uuid,
    error_code       varchar(64),
    error_detail     varchar(2000),
    cancel_requested boolean                  NOT NULL,
    attempts         integer                  NOT NULL,
    created_at       timestamp with time zone NOT NULL,
    started_at       timestamp with time zone,
    finished_at      timestamp with time zone
);

CREATE INDEX training_job_created_at ON training_job (created_at);
