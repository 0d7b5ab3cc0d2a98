-- Slides registered by upload, deduplicated by the SHA-256 of their bytes. Portable between H2 and PostgreSQL.
create table slides (
    id              uuid                     not null primary key,
    external_id     varchar(255),
    filename        varchar(255)             not null,
    sha256          varchar(64)              not null,
    size_bytes      bigint                   not null,
    blob_key        varchar(1024)            not null,
    file_format     varchar(64)              not null,
    vendor          varchar(64),
    width           bigint                   not null,
    height          bigint                   not null,
    mpp_x           double precision,
    mpp_y           double precision,
    mpp_source      varchar(16)              not null,
    objective_power double precision,
    created_at      timestamp with time zone not null,
    updated_at      timestamp with time zone not null,
    version         bigint                   not null default 0,
    constraint uq_slides_sha256 unique (sha256)
);

create index ix_slides_created_at on slides (created_at);
create index ix_slides_external_id on slides (external_id);

-- The pyramid levels of a slide, level 0 (full resolution) first.
create table slide_levels (
    slide_id    uuid             not null references slides (id) on delete cascade,
    level_index integer          not null,
    width       bigint           not null,
    height      bigint           not null,
    downsample  double precision not null,
    primary key (slide_id, level_index)
);
