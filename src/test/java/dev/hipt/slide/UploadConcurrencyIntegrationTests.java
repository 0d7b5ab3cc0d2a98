package dev.hipt.slide;

/** Concurrent uploads on the embedded default database (H2, file mode). */
class UploadConcurrencyIntegrationTests extends UploadConcurrencyScenarios {
}
