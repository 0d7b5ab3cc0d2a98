package dev.hipt.slide;

import dev.hipt.UsePostgres;

/** Registration on the real job engine, on a real PostgreSQL. */
@UsePostgres
class SlideRegistrationPostgresIntegrationTests extends SlideRegistrationScenarios {
}
