package dev.hipt.slide;

import dev.hipt.UsePostgres;

/** The upload flow on a real PostgreSQL, with the same Flyway migrations as H2. */
@UsePostgres
class SlideUploadPostgresIntegrationTests extends SlideUploadScenarios {
}
