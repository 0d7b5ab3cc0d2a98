-- Analysis jobs: one row per requested analysis of a slide. The queue itself is db-scheduler's table (V3);
-- this row is what the API shows and what workers update as regions are stored.
create table analysis_job (
    id               uuid primary key,
    slide_id         uuid          not null references slides (id) on delete cascade,
    status           varchar(16)   not null,
    blob_key         varchar(1024) not null,
    mpp_override     double precision,
    done_regions     integer       not null default 0,
    total_regions    integer       not null default 0,
    attempts         integer       not null default 0,
    cancel_requested boolean       not null default false,
    error_code       varchar(64),
    error_detail     varchar(4000),
    created_at       timestamp with time zone not null,
    started_at       timestamp with time zone,
    finished_at      timestamp with time zone,
    updated_at       timestamp with time zone not null,
    version          bigint        not null default 0,
    constraint analysis_job_status_chk
        check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'))
);

create index analysis_job_slide_idx on analysis_job (slide_id, created_at);
create index analysis_job_status_idx on analysis_job (status);
