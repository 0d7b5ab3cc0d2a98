package dev.hipt;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the feature packages' dependencies pointing one way, as ARCHITECTURE.md draws them. */
class ArchitectureTests {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hipt");
    }

    @Test
    void featurePackagesHaveNoCycles() {
        slices().matching("dev.hipt.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void modelKnowsOnlyDjl() {
        noClasses().that().resideInAPackage("dev.hipt.model..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "dev.hipt.wsi..", "dev.hipt.storage..", "dev.hipt.slide..",
                        "dev.hipt.job..", "dev.hipt.results..", "dev.hipt.training..", "dev.hipt.system..")
                .check(classes);
    }

    @Test
    void wsiKnowsNothingAboveIt() {
        noClasses().that().resideInAPackage("dev.hipt.wsi..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "dev.hipt.model..", "dev.hipt.storage..", "dev.hipt.slide..",
                        "dev.hipt.job..", "dev.hipt.results..", "dev.hipt.training..", "dev.hipt.system..")
                .check(classes);
    }

    @Test
    void storageKnowsNoWebAndNoFeatures() {
        noClasses().that().resideInAPackage("dev.hipt.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework.web..", "dev.hipt.model..", "dev.hipt.wsi..", "dev.hipt.slide..",
                        "dev.hipt.job..", "dev.hipt.results..", "dev.hipt.training..")
                .check(classes);
    }

    @Test
    void jobAndResultsNeverReachUpToSlides() {
        noClasses().that().resideInAnyPackage("dev.hipt.job..", "dev.hipt.results..")
                .should().dependOnClassesThat().resideInAPackage("dev.hipt.slide..")
                .check(classes);
    }
}
