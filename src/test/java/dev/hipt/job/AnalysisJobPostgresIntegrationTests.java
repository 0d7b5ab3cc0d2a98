package dev.hipt.job;

import dev.hipt.UsePostgres;

/** The job scenarios, crash and resume included, on a real PostgreSQL with the same migrations. */
@UsePostgres
class AnalysisJobPostgresIntegrationTests extends AnalysisJobScenarios {
}
