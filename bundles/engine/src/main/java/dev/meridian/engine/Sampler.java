package dev.meridian.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks tokens from logits as {@link Sampling} says. Not thread-safe: one per generation. */
final class Sampler {
    private final Sampling sampling;
    private final SplittableRandom random;

    Sampler(Sampling sampling) {
        this.sampling = sampling;
        this.random = new SplittableRandom(sampling.seed());
    }

    int next(float[] logits) {
        if (sampling.greedy()) {
            return argmax(logits);
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int k = sampling.topK() == 0 ? logits.length : Math.min(sampling.topK(), logits.length);
        double[] probabilities = new double[k];
        double max = logits[order[0]];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            probabilities[i] = Math.exp((logits[order[i]] - max) / sampling.temperature());
            sum += probabilities[i];
        }
        int keep = k;
        double cumulative = 0;
        for (int i = 0; i < k; i++) {
            cumulative += probabilities[i] / sum;
            if (cumulative >= sampling.topP()) {
                keep = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += probabilities[i];
        }
        double pick = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            pick -= probabilities[i];
            if (pick <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
