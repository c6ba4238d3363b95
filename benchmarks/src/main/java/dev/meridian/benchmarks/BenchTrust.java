package dev.meridian.benchmarks;

import java.util.Map;
import java.util.Set;

import dev.meridian.router.BundleSignature;
import dev.meridian.router.TrustPolicy;

/** Every benchmark provider is signed by one signer trusted for every scope: the path a real request takes. */
final class BenchTrust {
    private static final String SIGNER = "ab".repeat(32);

    static final BundleSignature SIGNED = BundleSignature.signedBy(Set.of(SIGNER));

    static final TrustPolicy TRUST = TrustPolicy.of(Map.of("cn-mainland", Set.of(SIGNER), "device", Set.of(SIGNER),
            "global", Set.of(SIGNER), "eu", Set.of(SIGNER)), Set.of());

    private BenchTrust() {
    }
}
