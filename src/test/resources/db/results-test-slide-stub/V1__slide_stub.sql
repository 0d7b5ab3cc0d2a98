-- Test-only stand-in for the slide feature's V1 migration, used by results tests only while no real
-- V1 migration is on the classpath (see ResultsTestDatabase). Only the column V4 references.
CREATE TABLE slide (
    id uuid PRIMARY KEY
);
