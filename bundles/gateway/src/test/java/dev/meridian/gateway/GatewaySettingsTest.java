package dev.meridian.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;

import org.junit.jupiter.api.Test;

/** The gateway never listens unprotected beyond the device, and never shows a token it was given. */
class GatewaySettingsTest {
    static final String HASH = Tokens.hashOf("a-token");

    record Config(String host, String[] tokenHashes) implements GatewayConfig {
        @Override
        public Class<? extends Annotation> annotationType() {
            return GatewayConfig.class;
        }

        @Override
        public int port() {
            return 11480;
        }

        @Override
        public String[] operatorTokenHashes() {
            return new String[0];
        }

        @Override
        public int maxBodyBytes() {
            return 1 << 20;
        }

        @Override
        public int maxStreams() {
            return 64;
        }

        @Override
        public String[] corsOrigins() {
            return new String[0];
        }

        @Override
        public int drainSeconds() {
            return 10;
        }
    }

    @Test
    void aPublicAddressNeedsTokens() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> GatewaySettings.from(new Config("0.0.0.0", new String[0])));
        assertTrue(refused.getMessage().contains("without tokens"), refused.getMessage());
        assertEquals("0.0.0.0", GatewaySettings.from(new Config("0.0.0.0", new String[] { HASH })).host());
        assertEquals("localhost", GatewaySettings.from(new Config("localhost", new String[0])).host());
        assertFalse(GatewaySettings.isLoopback("192.0.2.10"));
        assertTrue(GatewaySettings.isLoopback("::1"));
    }

    @Test
    void aTokenPastedInsteadOfItsHashIsRefusedWithoutBeingShown() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> GatewaySettings.from(new Config("127.0.0.1", new String[] { "sk-my-secret-token" })));
        assertFalse(refused.getMessage().contains("sk-my-secret-token"), refused.getMessage());
    }

    @Test
    void tokensAreCheckedByTheirHash() {
        Tokens tokens = new Tokens(java.util.Set.of(HASH));
        assertTrue(tokens.accepts("Bearer a-token"));
        assertTrue(tokens.accepts("bearer a-token"));
        assertFalse(tokens.accepts("Bearer another"));
        assertFalse(tokens.accepts(null));
        assertFalse(tokens.accepts("a-token"));
        assertTrue(new Tokens(java.util.Set.of()).accepts(null));
    }
}
