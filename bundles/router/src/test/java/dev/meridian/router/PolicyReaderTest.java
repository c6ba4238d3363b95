package dev.meridian.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.meridian.api.routing.RegionPolicy;

class PolicyReaderTest {

    private static Map<String, Object> properties(Object region, Object scopes, Object preference) {
        Map<String, Object> map = new HashMap<>();
        map.put("region", region);
        map.put("scopes", scopes);
        map.put("preference", preference);
        return map;
    }

    @Test
    void readsArraysListsAndCommaSeparatedStrings() {
        RegionPolicy fromArrays = PolicyReader.read(properties("cn", new String[] { "cn-mainland", "device" },
                new String[] { "dashscope-cn", "local" }));
        RegionPolicy fromStrings = PolicyReader.read(properties(" CN ", "cn-mainland, device", "dashscope-cn,local"));
        RegionPolicy fromLists = PolicyReader.read(properties("CN", List.of("cn-mainland", "device"),
                List.of("dashscope-cn", "local")));
        assertEquals(new RegionPolicy("CN", List.of("cn-mainland", "device"), List.of("dashscope-cn", "local")),
                fromArrays);
        assertEquals(fromArrays, fromStrings);
        assertEquals(fromArrays, fromLists);
    }

    @Test
    void preferenceIsOptional() {
        assertEquals(List.of(), PolicyReader.read(properties("EU", "eu", null)).preference());
        assertEquals(List.of(), PolicyReader.read(properties("EU", "eu", "")).preference());
    }

    @Test
    void refusesMalformedValuesNamingTheProblem() {
        assertMessage(properties(null, "device", null), "region must be a name", "was missing");
        assertMessage(properties("C N", "device", null), "region must be a name", "'C N'");
        assertMessage(properties(42, "device", null), "region must be a name", "42 (Integer)");
        assertMessage(properties("CN", null, null), "scopes must name at least one");
        assertMessage(properties("CN", new String[0], null), "scopes must name at least one");
        assertMessage(properties("CN", "Device!", null), "scopes must hold a residency scope", "'Device!'");
        assertMessage(properties("CN", new Object[] { "device", 7 }, null), "found 7 (Integer)");
        assertMessage(properties("CN", "device,device", null), "names 'device' twice");
        assertMessage(properties("CN", "device", 3.5), "preference must be a list");
        assertMessage(properties("CN", "device", "a,,b"), "preference must hold a provider id");
    }

    @Test
    void readsConsentAndLabelAndRefusesThemMalformed() {
        Map<String, Object> cn = properties("CN", "cn-mainland,device", null);
        cn.put("consentRequired", new String[] { "cn-mainland" });
        cn.put("label", " 本内容由人工智能生成 ");
        RegionPolicy policy = PolicyReader.read(cn);
        assertEquals(List.of("cn-mainland"), policy.consentRequired());
        assertTrue(policy.requiresConsent("cn-mainland"));
        assertEquals("本内容由人工智能生成", policy.label());

        Map<String, Object> foreign = properties("CN", "device", null);
        foreign.put("consentRequired", "global");
        assertMessage(foreign, "consentRequired names scope 'global'", "does not allow");
        Map<String, Object> twoLines = properties("CN", "device", null);
        twoLines.put("label", "AI\ngenerated");
        assertMessage(twoLines, "label must be one line");
        Map<String, Object> notText = properties("CN", "device", null);
        notText.put("label", new String[] { "AI" });
        assertMessage(notText, "label must be one line", "(array)");
    }

    @Test
    void consentsAreReadWithTheirTimeAndMalformedOnesNamed() {
        assertEquals(java.time.Instant.parse("2026-12-01T10:00:00Z"), ConsentReader.read(Map.of("granted.global",
                "2026-12-01T10:00:00Z", "service.pid", "meridian.consent")).get("global").grantedAt());
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("granted.global", "yesterday"),
                Map.of("granted.global", 5), Map.of("granted.GLOBAL!", "2026-12-01T10:00:00Z"),
                Map.of("grant.global", "2026-12-01T10:00:00Z"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConsentReader.read(bad));
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
    }

    private static void assertMessage(Map<String, Object> properties, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PolicyReader.read(properties));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' lacks '" + part + "'");
        }
    }
}
