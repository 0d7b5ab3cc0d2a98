package dev.hipt;

/** {@link SoakIntegrationTests} on PostgreSQL. */
@UsePostgres
class SoakPostgresIntegrationTests extends SoakIntegrationTests {
}
