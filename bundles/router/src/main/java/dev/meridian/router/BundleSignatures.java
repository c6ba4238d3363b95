package dev.meridian.router;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;

/**
 * The signature of each provider bundle, verified from the content the framework loads its classes from (its
 * entries, not the file it was installed from, which may have changed since). Verified once per bundle revision:
 * the cache is keyed by bundle id and last-modified time, which an update changes.
 */
final class BundleSignatures {
    /** A bundle with more entries than this is not verified (and so not trusted). */
    static final int MAX_ENTRIES = 100_000;

    private record Key(long bundleId, long lastModified) {
    }

    private final Map<Key, BundleSignature> verified = new ConcurrentHashMap<>();

    BundleSignature of(Bundle bundle) {
        if (bundle == null) {
            return BundleSignature.broken("service has no registering bundle");
        }
        Key key = new Key(bundle.getBundleId(), bundle.getLastModified());
        verified.keySet().removeIf(k -> k.bundleId() == key.bundleId() && !k.equals(key));
        return verified.computeIfAbsent(key, k -> BundleSignature.verify(content(bundle)));
    }

    private static BundleSignature.Content content(Bundle bundle) {
        return new BundleSignature.Content() {
            @Override
            public List<String> entries() throws IOException {
                List<String> files = new ArrayList<>();
                Deque<String> folders = new ArrayDeque<>(List.of("/"));
                while (!folders.isEmpty()) {
                    Enumeration<String> paths = bundle.getEntryPaths(folders.pop());
                    while (paths != null && paths.hasMoreElements()) {
                        String path = paths.nextElement();
                        if (path.endsWith("/")) {
                            folders.push(path);
                        } else {
                            files.add(path.startsWith("/") ? path.substring(1) : path);
                        }
                        if (files.size() + folders.size() > MAX_ENTRIES) {
                            throw new IOException("more than " + MAX_ENTRIES + " entries");
                        }
                    }
                }
                return files;
            }

            @Override
            public InputStream open(String entry) throws IOException {
                URL url = bundle.getEntry(entry);
                if (url == null) {
                    throw new IOException("entry " + entry + " vanished");
                }
                return url.openStream();
            }
        };
    }
}
