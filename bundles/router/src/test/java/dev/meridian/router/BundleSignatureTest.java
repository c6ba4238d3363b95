package dev.meridian.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signed-bundle check on jars signed by the JDK's own {@code keytool} and {@code jarsigner}, as an OEM signs
 * them, then attacked: changed, added and removed entries, a signer swapped in, a damaged signature block.
 */
class BundleSignatureTest {
    private static final String PASS = "test-only";

    @TempDir
    static Path dir;
    static Path store;
    static String oem;
    static String other;

    @BeforeAll
    static void keys() throws Exception {
        store = dir.resolve("keys.p12");
        for (String alias : List.of("oem", "other")) {
            run(tool("keytool"), "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass",
                    PASS, "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30", "-dname",
                    "CN=" + alias);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASS.toCharArray());
        }
        oem = BundleSignature.fingerprint(keys.getCertificate("oem"));
        other = BundleSignature.fingerprint(keys.getCertificate("other"));
    }

    private static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + out);
    }

    private static Path bundle(String name) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(JarFile.MANIFEST_NAME, ("Manifest-Version: 1.0\r\nBundle-SymbolicName: " + name + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        entries.put("dev/oem/Provider.class", new byte[] { (byte) 0xCA, (byte) 0xFE, 1, 2, 3 });
        entries.put("OSGI-INF/provider.xml", "<scr/>".getBytes(StandardCharsets.UTF_8));
        Path jar = dir.resolve(name + ".jar");
        write(jar, entries);
        return jar;
    }

    private static Path sign(Path jar, String alias) throws Exception {
        run(tool("jarsigner"), "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASS,
                jar.toString(), alias);
        return jar;
    }

    private static Map<String, byte[]> read(Path jar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                if (!entry.isDirectory()) {
                    entries.put(entry.getName(), zip.getInputStream(entry).readAllBytes());
                }
            }
        }
        return entries;
    }

    private static void write(Path jar, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
    }

    private static Path altered(Path jar, String name, UnaryOperator<Map<String, byte[]>> change) throws IOException {
        Path copy = dir.resolve(name + ".jar");
        write(copy, change.apply(read(jar)));
        return copy;
    }

    /** What the framework would show of the bundle: its entries in any order. */
    private static BundleSignature verify(Path jar) throws IOException {
        Map<String, byte[]> entries = read(jar);
        List<String> names = new ArrayList<>(entries.keySet());
        java.util.Collections.reverse(names); // the check must not depend on the order the framework lists them in
        return BundleSignature.verify(new BundleSignature.Content() {
            @Override
            public List<String> entries() {
                return names;
            }

            @Override
            public InputStream open(String entry) {
                return new ByteArrayInputStream(entries.get(entry));
            }
        });
    }

    @Test
    void anUnsignedBundleIsUnsigned() throws Exception {
        assertEquals(BundleSignature.Status.UNSIGNED, verify(bundle("plain")).status());
    }

    @Test
    void aSignedBundleNamesItsSigner() throws Exception {
        BundleSignature signature = verify(sign(bundle("signed"), "oem"));
        assertEquals(BundleSignature.signedBy(Set.of(oem)), signature);
    }

    @Test
    void anEntryChangedAfterSigningIsRefused() throws Exception {
        Path signed = sign(bundle("tamper"), "oem");
        BundleSignature signature = verify(altered(signed, "tampered", entries -> {
            entries.put("dev/oem/Provider.class", new byte[] { (byte) 0xCA, (byte) 0xFE, 6, 6, 6 });
            return entries;
        }));
        assertEquals(BundleSignature.Status.BROKEN, signature.status(), signature.toString());
        assertTrue(signature.problem().contains("dev/oem/Provider.class"), signature.problem());
    }

    @Test
    void anEntryAddedAfterSigningIsRefused() throws Exception {
        Path signed = sign(bundle("add"), "oem");
        BundleSignature signature = verify(altered(signed, "added", entries -> {
            entries.put("dev/oem/Backdoor.class", new byte[] { 1 });
            return entries;
        }));
        assertEquals(BundleSignature.Status.BROKEN, signature.status());
        assertTrue(signature.problem().contains("dev/oem/Backdoor.class"), signature.problem());
    }

    @Test
    void anEntryRemovedAfterSigningIsRefused() throws Exception {
        Path signed = sign(bundle("remove"), "oem");
        BundleSignature signature = verify(altered(signed, "removed", entries -> {
            entries.remove("OSGI-INF/provider.xml");
            return entries;
        }));
        assertEquals(BundleSignature.Status.BROKEN, signature.status());
        assertTrue(signature.problem().contains("OSGI-INF/provider.xml"), signature.problem());
    }

    /**
     * A byte flipped anywhere in the signature block, with a class changed as well (what an attacker who cannot sign
     * would try): never trusted. The JDK refuses the block, or the changed entry's digest, or (a flip inside the
     * embedded certificate, whose self-signature the jar verifier does not check) it names another certificate,
     * which the fingerprint list does not trust. A flip alone in a part the signature does not cover (PKCS#7's
     * unsigned header) may leave a genuine signature standing, which is right: the content is the signed one.
     */
    @Test
    void aDamagedSignatureBlockIsNeverTrusted() throws Exception {
        Path signed = sign(bundle("damage"), "oem");
        TrustPolicy trust = TrustPolicy.of(Map.of("cn-mainland", Set.of(oem)), Set.of());
        String block = read(signed).keySet().stream().filter(n -> n.endsWith(".EC")).findFirst().orElseThrow();
        int length = read(signed).get(block).length;
        for (int position = 0; position < length; position += Math.max(1, length / 40)) {
            int at = position;
            BundleSignature signature = verify(altered(signed, "damaged-" + at, entries -> {
                byte[] bytes = entries.get(block).clone();
                bytes[at] ^= 0x55;
                entries.put(block, bytes);
                entries.put("dev/oem/Provider.class", new byte[] { (byte) 0xCA, (byte) 0xFE, 6, 6, 6 });
                return entries;
            }));
            assertTrue(!trust.decide("cn-mainland", signature).trusted(), "flip at " + at + ": " + signature);
        }
    }

    @Test
    void aSignatureFileThatNoLongerMatchesTheManifestIsRefused() throws Exception {
        Path signed = sign(bundle("manifest"), "oem");
        BundleSignature signature = verify(altered(signed, "manifest-edited", entries -> {
            // a new digest for a changed entry, written into the manifest by someone without the key
            String manifest = new String(entries.get(JarFile.MANIFEST_NAME), StandardCharsets.UTF_8);
            entries.put(JarFile.MANIFEST_NAME, manifest.replace("Bundle-SymbolicName: manifest",
                    "Bundle-SymbolicName: evil").getBytes(StandardCharsets.UTF_8));
            return entries;
        }));
        assertEquals(BundleSignature.Status.BROKEN, signature.status(), signature.toString());
    }

    @Test
    void aBundleSignedTwiceNamesBothSigners() throws Exception {
        BundleSignature signature = verify(sign(sign(bundle("twice"), "oem"), "other"));
        assertEquals(BundleSignature.signedBy(Set.of(oem, other)), signature);
    }

    @Test
    void trustReaderAcceptsKeytoolsFormAndRefusesMistakes() {
        String colons = String.join(":", oem.toUpperCase().split("(?<=\\G..)"));
        TrustPolicy trust = TrustReader.read(Map.of("signers.cn-mainland", new String[] { colons },
                "unsignedScopes", new String[] { "device" }, "service.pid", "meridian.trust"));
        assertEquals(Set.of(oem), trust.signers().get("cn-mainland"));
        assertTrue(trust.decide("cn-mainland", BundleSignature.signedBy(Set.of(oem))).trusted());
        assertTrue(trust.decide("device", BundleSignature.UNSIGNED).trusted());
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("signer.device", new String[] { oem }),
                Map.of("signers.device", new String[] { "abc" }), Map.of("signers.Device!", new String[] { oem }),
                Map.of("unsignedScopes", 3), Map.of("signers.device", new Object[] { 5 }))) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> TrustReader.read(bad), bad.toString());
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
    }
}
