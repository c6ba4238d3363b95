package dev.meridian.router;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.CodeSigner;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Who signed a bundle's content, as the JDK's signed-jar verification sees it. {@link #verify} checks every entry's
 * digest against the signed manifest and every signature against its certificate; a bundle is {@link Status#SIGNED}
 * only when every entry is signed, none was changed or removed after signing, and at least one signer signed all of
 * them ({@link #signers()}: SHA-256 fingerprints of their certificates, lower-case hex).
 */
public record BundleSignature(Status status, Set<String> signers, String problem) {

    public enum Status {
        SIGNED, UNSIGNED, BROKEN
    }

    /** Bundles larger than this are not verified (and so not trusted): verification holds them in memory. */
    static final long MAX_BYTES = 256L << 20;

    public static final BundleSignature UNSIGNED = new BundleSignature(Status.UNSIGNED, Set.of(), "bundle is not signed");

    public BundleSignature {
        signers = Set.copyOf(signers);
    }

    public static BundleSignature signedBy(Set<String> fingerprints) {
        return new BundleSignature(Status.SIGNED, fingerprints, null);
    }

    static BundleSignature broken(String problem) {
        return new BundleSignature(Status.BROKEN, Set.of(), problem);
    }

    /** A bundle's entries, read from what the framework loads classes from (not from a file that may change). */
    interface Content {
        /** Every file entry's path, without directories. */
        List<String> entries() throws IOException;

        InputStream open(String entry) throws IOException;
    }

    /** Verifies {@code content} with the JDK's jar verifier. Never throws: a failure is {@link Status#BROKEN}. */
    static BundleSignature verify(Content content) {
        try {
            byte[] jar = asJar(content);
            return jar == null ? UNSIGNED : verifyJar(jar);
        } catch (SecurityException e) {
            return broken("signature check failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return broken("content could not be read for verification: " + e);
        }
    }

    private static boolean isSignatureFile(String entry) {
        String name = entry.toUpperCase(Locale.ROOT);
        if (!name.startsWith("META-INF/") || name.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        return name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA") || name.endsWith(".EC")
                || name.startsWith("META-INF/SIG-");
    }

    /**
     * The content as a jar the JDK can verify as a stream: manifest first, then the signature files, then the
     * rest; {@code null} when it holds no signature file at all.
     */
    private static byte[] asJar(Content content) throws IOException {
        List<String> entries = content.entries();
        List<String> signatureFiles = entries.stream().filter(BundleSignature::isSignatureFile).sorted().toList();
        if (signatureFiles.isEmpty()) {
            return null;
        }
        if (!entries.contains(JarFile.MANIFEST_NAME)) {
            throw new SecurityException("signature files but no " + JarFile.MANIFEST_NAME);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long total = 0;
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            List<String> order = new java.util.ArrayList<>();
            order.add(JarFile.MANIFEST_NAME);
            order.addAll(signatureFiles);
            entries.stream().filter(e -> !e.equals(JarFile.MANIFEST_NAME) && !isSignatureFile(e)).forEach(order::add);
            for (String entry : order) {
                zip.putNextEntry(new ZipEntry(entry));
                try (InputStream in = content.open(entry)) {
                    total += in.transferTo(zip);
                }
                if (total > MAX_BYTES) {
                    throw new SecurityException("bundle larger than " + (MAX_BYTES >> 20) + " MiB");
                }
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static BundleSignature verifyJar(byte[] jar) throws IOException {
        Set<String> common = null;
        Set<String> unsigned = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        Manifest manifest;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar), true)) {
            manifest = in.getManifest();
            if (manifest == null) {
                return broken("the manifest could not be read");
            }
            byte[] buffer = new byte[8192];
            for (JarEntry entry; (entry = in.getNextJarEntry()) != null;) {
                while (in.read(buffer) >= 0) {
                    // reading to the end makes the verifier check the entry's digest (SecurityException if it differs)
                }
                if (isSignatureFile(entry.getName())) {
                    continue;
                }
                seen.add(entry.getName());
                Set<String> signers = fingerprints(entry.getCodeSigners());
                if (signers.isEmpty()) {
                    unsigned.add(entry.getName());
                } else if (common == null) {
                    common = new HashSet<>(signers);
                } else {
                    common.retainAll(signers);
                }
            }
        }
        if (!unsigned.isEmpty()) {
            return broken("entries not covered by the signature (added or changed after signing): "
                    + abbreviate(unsigned));
        }
        Set<String> missing = new TreeSet<>(manifest.getEntries().keySet());
        missing.removeAll(seen);
        missing.removeIf(name -> name.endsWith("/"));
        if (!missing.isEmpty()) {
            return broken("signed entries removed after signing: " + abbreviate(missing));
        }
        if (common == null) {
            return broken("signature files but no signed entry");
        }
        if (common.isEmpty()) {
            return broken("no single signer signed every entry");
        }
        return signedBy(common);
    }

    private static Set<String> fingerprints(CodeSigner[] signers) {
        Set<String> result = new HashSet<>();
        if (signers != null) {
            for (CodeSigner signer : signers) {
                List<? extends Certificate> chain = signer.getSignerCertPath().getCertificates();
                if (!chain.isEmpty()) {
                    result.add(fingerprint(chain.get(0)));
                }
            }
        }
        return result;
    }

    /** SHA-256 of the certificate's encoded form, lower-case hex: what {@code keytool -list -v} shows as SHA256. */
    static String fingerprint(Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new SecurityException("certificate fingerprint: " + e, e);
        }
    }

    private static String abbreviate(Set<String> names) {
        List<String> first = names.stream().limit(3).toList();
        return String.join(", ", first) + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
    }

    /** The first 16 hex digits of a fingerprint: enough for people to tell signers apart. */
    static String shortFingerprint(String fingerprint) {
        return fingerprint.length() > 16 ? fingerprint.substring(0, 16) : fingerprint;
    }
}
