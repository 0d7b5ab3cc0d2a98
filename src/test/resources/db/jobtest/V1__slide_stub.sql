-- Test-only stand-in for feat/service's V1 slide table until that branch is merged: analysis_job references it.
create table slide (id uuid primary key);
