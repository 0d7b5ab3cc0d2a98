-- DINO pretraining jobs (admin). The queue entry is db-scheduler's (task "pretraining", V3); this row is what the
-- API shows and what the worker updates. request holds the resolved request as JSON (slides, settings).
create table pretraining_job (
    id                    uuid          primary key,
    stage                 integer       not null,
    status                varchar(16)   not null,
    request               varchar(16000) not null,
    total_iterations      integer       not null,
    iteration             integer       not null default 0,
    epoch                 integer       not null default 0,
    iters_per_epoch       integer       not null default 0,
    checkpoint_iteration  integer,
    model_id              uuid,
    attempts              integer       not null default 0,
    cancel_requested      boolean       not null default false,
    error_code            varchar(64),
    error_detail          varchar(4000),
    created_at            timestamp with time zone not null,
    started_at            timestamp with time zone,
    finished_at           timestamp with time zone,
    updated_at            timestamp with time zone not null,
    version               bigint        not null default 0,
    constraint pretraining_job_status_chk
        check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    constraint pretraining_job_stage_chk check (stage in (1, 2))
);

create index pretraining_job_created_idx on pretraining_job (created_at);

-- The loss of every iteration; a resumed attempt replaces the rows after its checkpoint.
create table pretraining_loss (
    job_id    uuid             not null references pretraining_job (id) on delete cascade,
    iteration integer          not null,
    epoch     integer          not null,
    loss      double precision not null,
    primary key (job_id, iteration)
);
