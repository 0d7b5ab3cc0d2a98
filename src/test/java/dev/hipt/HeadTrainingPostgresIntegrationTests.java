package dev.hipt;

/** {@link HeadTrainingScenarios}, issue 8's end-to-end flow, on a real PostgreSQL with the same migrations. */
@UsePostgres
class HeadTrainingPostgresIntegrationTests extends HeadTrainingScenarios {
}
