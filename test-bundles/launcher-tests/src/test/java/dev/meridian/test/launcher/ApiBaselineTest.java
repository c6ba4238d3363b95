package dev.meridian.test.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;

/**
 * Semantic versioning of what provider bundles import, checked by bnd's baseline: each exported package of the
 * API and of the provider SPI, as built now, against the last release ({@code cnf/baseline/}). A change that
 * needs a higher package version than {@code package-info.java} gives fails here, naming the package and the
 * version it needs. After a release, its jars replace the baseline.
 */
class ApiBaselineTest {
    private static final Path ROOT = Path.of(System.getProperty("meridian.root", "../..")).toAbsolutePath()
            .normalize();

    @ParameterizedTest
    @CsvSource({ "bundles/api/target/api-0.1.0-SNAPSHOT.jar, cnf/baseline/dev.meridian.api-1.2.0.jar",
            "bundles/cloud/target/cloud-0.1.0-SNAPSHOT.jar, cnf/baseline/dev.meridian.cloud-1.0.0.jar" })
    void exportedPackagesAreVersionedForWhatChanged(String built, String released) throws Exception {
        try (Processor reporter = new Processor(); Jar newer = new Jar(new File(ROOT.resolve(built).toString()));
                Jar older = new Jar(new File(ROOT.resolve(released).toString()))) {
            List<String> mismatches = new ArrayList<>();
            for (Baseline.Info info : new Baseline(reporter, new DiffPluginImpl()).baseline(newer, older, null)) {
                System.out.printf("baseline %s: %s -> %s (needs %s)%s%n", info.packageName, info.olderVersion,
                        info.newerVersion, info.suggestedVersion, info.mismatch ? " MISMATCH" : "");
                if (info.mismatch) {
                    mismatches.add(info.packageName + " is " + info.newerVersion + " but its change from "
                            + info.olderVersion + " needs " + info.suggestedVersion);
                }
            }
            assertTrue(mismatches.isEmpty(), String.join("; ", mismatches));
            assertTrue(reporter.isOk(), reporter.getErrors().toString());
        }
    }
}
