package dev.meridian.api.routing;

import java.util.Locale;
import java.util.Objects;

/**
 * The active region and where it came from. A region stored in configuration that cannot be read blocks every
 * request ({@link Source#INVALID}): a device must not fall back to another region's rules because a file is damaged.
 *
 * @param region  the region's name; {@code null} when {@link Source#INVALID}
 * @param source  where it came from
 * @param problem why the stored region could not be read; {@code null} unless {@link Source#INVALID}
 */
public record RegionSetting(String region, Source source, String problem) {

    /** Where the active region came from, first found in this order. */
    public enum Source {
        /** The {@code meridian.region} configuration (also written by {@code ai:region}). */
        CONFIGURATION("configuration"),
        /** The {@code meridian.region} framework or system property ({@code meridian --region}). */
        COMMAND_LINE("--region"),
        /** The {@code MERIDIAN_REGION} environment variable. */
        ENVIRONMENT("environment"),
        /** None of the above: {@code GLOBAL}. */
        DEFAULT("default"),
        /** The stored region could not be read: every request fails closed until a valid one is set. */
        INVALID("invalid");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public RegionSetting {
        Objects.requireNonNull(source, "source");
        if ((source == Source.INVALID) != (region == null)) {
            throw new IllegalArgumentException("a region is null exactly when its source is invalid");
        }
    }

    public static RegionSetting of(String region, Source source) {
        return new RegionSetting(region, source, null);
    }

    public static RegionSetting invalid(String problem) {
        return new RegionSetting(null, Source.INVALID, Objects.requireNonNull(problem, "problem"));
    }

    public boolean isInvalid() {
        return source == Source.INVALID;
    }

    /** The region's name, or {@code (invalid)}. */
    public String name() {
        return region == null ? "(invalid)" : region;
    }

    @Override
    public String toString() {
        return isInvalid() ? "invalid (" + problem + ")" : region + " (from " + source.label().toLowerCase(Locale.ROOT)
                + ")";
    }
}
