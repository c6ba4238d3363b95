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

    private static void assertMessage(Map<String, Object> properties, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PolicyReader.read(properties));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' lacks '" + part + "'");
        }
    }
}
