package dev.hipt.job;

import org.springframework.test.context.TestPropertySource;

/** The job scenarios on the embedded default database, H2. */
@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:jobs-${random.uuid};DB_CLOSE_DELAY=-1")
class AnalysisJobIntegrationTests extends AnalysisJobScenarios {
}
