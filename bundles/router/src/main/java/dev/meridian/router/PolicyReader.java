package dev.meridian.router;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import dev.meridian.api.routing.RegionPolicy;

/**
 * Reads a regional policy from configuration properties and refuses a malformed one with a message that names the
 * property and the value. Accepts lists as arrays, collections or comma-separated strings ({@code .cfg} files).
 */
public final class PolicyReader {
    private static final Pattern REGION = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,31}");
    private static final Pattern SCOPE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern PROVIDER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int MAX_LABEL = 200;

    private PolicyReader() {
    }

    /** The region name in its canonical (upper-case) form. @throws IllegalArgumentException if malformed */
    public static String region(Object value) {
        if (!(value instanceof String text) || !REGION.matcher(text.strip()).matches()) {
            throw new IllegalArgumentException("region must be a name of letters, digits, '-' or '_' (like CN, EU, "
                    + "GLOBAL), was " + describe(value));
        }
        return text.strip().toUpperCase(Locale.ROOT);
    }

    /** A residency scope name. @throws IllegalArgumentException naming {@code property} if malformed */
    public static String scope(Object value, String property) {
        if (!(value instanceof String text) || !SCOPE.matcher(text.strip()).matches()) {
            throw new IllegalArgumentException(property + " must name a residency scope of lower-case letters, "
                    + "digits and '-' (like cn-mainland, device), was " + describe(value));
        }
        return text.strip();
    }

    /** @throws IllegalArgumentException naming the first malformed property */
    public static RegionPolicy read(Map<String, ?> properties) {
        String region = region(properties.get("region"));
        List<String> scopes = list(properties.get("scopes"), "scopes", SCOPE,
                "a residency scope of lower-case letters, digits and '-' (like cn-mainland, device)");
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("policy " + region + ": scopes must name at least one residency "
                    + "scope; a region that allows none would refuse every request");
        }
        List<String> preference = list(properties.get("preference"), "preference", PROVIDER_ID, "a provider id");
        List<String> consentRequired = list(properties.get("consentRequired"), "consentRequired", SCOPE,
                "a residency scope");
        for (String scope : consentRequired) {
            if (!scopes.contains(scope)) {
                throw new IllegalArgumentException("policy " + region + ": consentRequired names scope '" + scope
                        + "', which scopes " + scopes + " does not allow");
            }
        }
        return new RegionPolicy(region, scopes, preference, consentRequired, label(properties.get("label")));
    }

    private static String label(Object value) {
        if (value == null || value instanceof String blank && blank.isBlank()) {
            return null;
        }
        if (!(value instanceof String text) || text.strip().length() > MAX_LABEL
                || text.codePoints().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("label must be one line of at most " + MAX_LABEL
                    + " characters, was " + describe(value));
        }
        return text.strip();
    }

    /** The strings of a list property (array, collection or comma-separated). */
    static List<String> strings(Object value, String name) {
        List<Object> items = new ArrayList<>();
        if (value == null || value instanceof String blank && blank.isBlank()) {
            return List.of();
        } else if (value instanceof String text) {
            items.addAll(List.of(text.split(",")));
        } else if (value instanceof Object[] array) {
            items.addAll(List.of(array));
        } else if (value instanceof Iterable<?> iterable) {
            iterable.forEach(items::add);
        } else {
            throw new IllegalArgumentException(name + " must be a list, was " + describe(value));
        }
        List<String> result = new ArrayList<>(items.size());
        for (Object item : items) {
            if (!(item instanceof String text)) {
                throw new IllegalArgumentException(name + " must hold strings, found " + describe(item));
            }
            result.add(text.strip());
        }
        return result;
    }

    private static List<String> list(Object value, String name, Pattern pattern, String what) {
        LinkedHashSet<String> result = new LinkedHashSet<>();
        for (String text : strings(value, name)) {
            if (!pattern.matcher(text).matches()) {
                throw new IllegalArgumentException(name + " must hold " + what + " per entry, found "
                        + describe(text));
            }
            if (!result.add(text)) {
                throw new IllegalArgumentException(name + " names '" + text + "' twice");
            }
        }
        return List.copyOf(result);
    }

    static String describe(Object value) {
        if (value == null) {
            return "missing";
        }
        if (value instanceof Object[] array) {
            return java.util.Arrays.toString(array) + " (array)";
        }
        return value instanceof String ? "'" + value + "'" : value + " (" + value.getClass().getSimpleName() + ")";
    }
}
