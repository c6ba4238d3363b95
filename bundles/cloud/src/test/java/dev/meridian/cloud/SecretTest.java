package dev.meridian.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Keys are refused when a header cannot carry them, never shown in the refusal, and masked in every echoed form. */
class SecretTest {
    private static final String KEY = "sk-Sentinel/Key+\"quoted\"=42";

    @Test
    void keysAHeaderCannotCarryAreRefusedWithoutShowingThem() {
        for (String bad : new String[] { "sk-abc\u200bdef", "sk-abc\ndef", "sk-abc def", "sk-äbc", "x".repeat(5000) }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Secret.configured(bad));
            assertFalse(e.getMessage().contains("sk-abc") || e.getMessage().contains("xxxxxxxx"), e.getMessage());
            assertTrue(e.getMessage().contains("from configuration"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Secret.configured("sk-abc\u200bdef"))
                .getMessage().contains("U+200B at position 7"));
        assertEquals("sk-ok", Secret.configured("  sk-ok ").reveal());
    }

    @Test
    void echoedKeysAreMaskedAsIsEscapedEncodedAndInAnyCase() {
        Secret secret = Secret.configured(KEY);
        String json = KEY.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/");
        StringBuilder unicode = new StringBuilder();
        KEY.chars().forEach(c -> unicode.append(String.format("\\u%04X", c)));
        String[] echoes = { "Invalid key " + KEY, "{\"message\":\"bad key " + json + "\"}",
                "{\"k\":\"" + unicode + "\"}", "GET /?key=" + URLEncoder.encode(KEY, StandardCharsets.UTF_8),
                "key " + KEY.toUpperCase(), "{\"message\":\"" + KEY.replace("\"", "\\\"") + "\"}" };
        for (String echo : echoes) {
            String scrubbed = secret.scrub(echo);
            assertTrue(scrubbed.contains("****"), scrubbed);
            assertFalse(scrubbed.toLowerCase().contains("sentinel"), scrubbed);
        }
        assertEquals("****", secret.toString());
    }
}
