package dev.hipt.slide;

import dev.hipt.UsePostgres;

/** Concurrent uploads on a real PostgreSQL, with the same Flyway migrations as H2. */
@UsePostgres
class UploadConcurrencyPostgresIntegrationTests extends UploadConcurrencyScenarios {
}
