package dev.hipt.slide;

/** Registration on the real job engine, on the embedded default database (H2). */
class SlideRegistrationIntegrationTests extends SlideRegistrationScenarios {
}
