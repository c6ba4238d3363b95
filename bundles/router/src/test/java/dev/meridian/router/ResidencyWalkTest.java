package dev.meridian.router;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/**
 * Runs the {@link ResidencyWalk}: 100,000 random steps over the router core, a new seed each run, printed.
 * Reproduce a run: {@code mvn -pl bundles/router test -Dtest=ResidencyWalkTest -Dresidency.seed=SEED} (and
 * {@code -Dresidency.steps=N} for longer walks).
 */
class ResidencyWalkTest {

    @Test
    void noAttemptEverCrossesTheRegionsBorder() {
        long seed = Long.getLong("residency.seed", System.nanoTime());
        int steps = Integer.getInteger("residency.steps", 100_000);
        System.out.println("ResidencyWalkTest seed=" + seed + " steps=" + steps + " (reproduce: mvn -pl bundles/router "
                + "test -Dtest=ResidencyWalkTest -Dresidency.seed=" + seed + ")");
        Logger routerLog = (Logger) org.slf4j.LoggerFactory.getLogger("dev.meridian.router");
        Level level = routerLog.getLevel();
        routerLog.setLevel(Level.ERROR); // a hundred thousand refusals and fallbacks would flood the output
        try {
            long start = System.nanoTime();
            ResidencyWalk walk = new ResidencyWalk(seed);
            walk.run(steps);
            System.out.printf("ResidencyWalkTest seed=%d: %d steps, %d requests, %d attempts, %d served, "
                    + "%d violations, %.1f s%n", seed, steps, walk.requests.size(), walk.attempts, walk.served,
                    walk.violations.size(), (System.nanoTime() - start) / 1e9);
            assertTrue(walk.violations.isEmpty(), "seed " + seed + ": " + walk.violations.size() + " violations, first: "
                    + walk.violations.subList(0, Math.min(5, walk.violations.size())));
            assertTrue(walk.served > steps / 50, "the walk served too little to prove anything: " + walk.served);
        } finally {
            routerLog.setLevel(level);
        }
    }
}
