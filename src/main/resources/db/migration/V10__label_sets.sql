-- Slide labels for head training and kNN subtyping (feature: training). Runs unchanged on H2 and PostgreSQL.
CREATE TABLE label_set (
    id           uuid                     NOT NULL PRIMARY KEY,
    name         varchar(255),
    row_count    integer                  NOT NULL,
    classes      varchar                  NOT NULL,
    has_subtype  boolean                  NOT NULL,
    has_survival boolean                  NOT NULL,
    created_at   timestamp with time zone NOT NULL
);

CREATE TABLE label_set_row (
    label_set_id uuid             NOT NULL REFERENCES label_set (id) ON DELETE CASCADE,
    row_number   integer          NOT NULL,
    slide_id     uuid             NOT NULL REFERENCES slides (id) ON DELETE CASCADE,
    subtype      varchar(255),
    months       double precision,
    event        boolean,
    PRIMARY KEY (label_set_id, row_number),
    CONSTRAINT uq_label_set_row_slide UNIQUE (label_set_id, slide_id)
);

-- The reference label set of kNN subtyping: at most one row.
CREATE TABLE knn_reference (
    singleton    integer NOT NULL PRIMARY KEY CHECK (singleton = 1),
    label_set_id uuid    NOT NULL REFERENCES label_set (id) ON DELETE CASCADE,
    activated_at timestamp with time zone NOT NULL
);
