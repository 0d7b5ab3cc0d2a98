package dev.hipt.slide;

/** The upload flow on the embedded default database (H2, file mode). */
class SlideUploadIntegrationTests extends SlideUploadScenarios {
}
