package dev.meridian.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/** The bearer tokens a gateway accepts, known only by their SHA-256 hashes (a configuration dump shows no token). */
final class Tokens {
    private final Set<String> hashes;

    Tokens(Set<String> hashes) {
        this.hashes = hashes;
    }

    boolean required() {
        return !hashes.isEmpty();
    }

    /** Whether an {@code Authorization} header carries an accepted token; always when none is required. */
    boolean accepts(String authorization) {
        if (hashes.isEmpty()) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = sha256(authorization.substring(7).strip());
        boolean accepted = false;
        for (String hash : hashes) {
            // compare every hash in constant time: no early exit that times which prefix matched
            accepted |= MessageDigest.isEqual(presented, HexFormat.of().parseHex(hash));
        }
        return accepted;
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The hash to put in {@code tokenHashes} for {@code token}. */
    static String hashOf(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }
}
