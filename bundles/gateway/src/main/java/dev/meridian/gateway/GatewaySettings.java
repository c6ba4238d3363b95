package dev.meridian.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The gateway's configuration, checked: a configuration that would expose the gateway unprotected, or that cannot
 * be right, is refused as a whole with a message that says what to change.
 */
record GatewaySettings(String host, int port, Set<String> tokenHashes, Set<String> operatorTokenHashes,
        int maxBodyBytes, int maxStreams, List<String> corsOrigins, Duration drain) {

    static GatewaySettings from(GatewayConfig config) {
        String host = config.host() == null || config.host().isBlank() ? "127.0.0.1" : config.host().strip();
        if (config.port() < 0 || config.port() > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + config.port());
        }
        Set<String> hashes = hashes("tokenHashes", config.tokenHashes());
        Set<String> operatorHashes = hashes("operatorTokenHashes", config.operatorTokenHashes());
        if (hashes.isEmpty() && !isLoopback(host)) {
            throw new IllegalArgumentException("refusing to listen on " + host + " without tokens: set tokenHashes, "
                    + "or keep host 127.0.0.1");
        }
        if (config.maxBodyBytes() < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1024, was " + config.maxBodyBytes());
        }
        if (config.maxStreams() < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1, was " + config.maxStreams());
        }
        if (config.drainSeconds() < 0) {
            throw new IllegalArgumentException("drainSeconds must not be negative, was " + config.drainSeconds());
        }
        List<String> origins = config.corsOrigins() == null ? List.of()
                : java.util.Arrays.stream(config.corsOrigins()).map(String::strip).filter(o -> !o.isEmpty())
                        .map(o -> o.toLowerCase(Locale.ROOT)).toList();
        return new GatewaySettings(host, config.port(), hashes, operatorHashes, config.maxBodyBytes(),
                config.maxStreams(), origins, Duration.ofSeconds(config.drainSeconds()));
    }

    private static Set<String> hashes(String name, String[] values) {
        Set<String> hashes = new java.util.TreeSet<>();
        for (String hash : values == null ? new String[0] : values) {
            String value = hash == null ? "" : hash.strip();
            if (value.isEmpty()) {
                continue;
            }
            if (!value.matches("[0-9a-f]{64}")) {
                // never echo the value: an operator may have pasted a token here instead of its hash
                throw new IllegalArgumentException(name + " must hold SHA-256 hashes in lowercase hex (64 "
                        + "characters, e.g. from `printf %s TOKEN | sha256sum`); one entry is not");
            }
            hashes.add(value);
        }
        return Set.copyOf(hashes);
    }

    /** Whether {@code host} only names this device: a literal loopback address or a name resolving only to one. */
    static boolean isLoopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
