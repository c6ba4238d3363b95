package dev.meridian.cloud.keys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Dictionary;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.cloud.ApiKeys;
import dev.meridian.cloud.Secret;

/**
 * Keeps API keys out of Configuration Admin, where the console could show them ({@code cm:getConfiguration},
 * {@code scr:info}). When a configuration holding {@value ApiKeys#PROPERTY} is stored (at activation for those already
 * there), the vault keeps the key, in a file of this bundle's data area that only the owner may read, and rewrites
 * the configuration without it; the component then gets its configuration again, keyless, and asks here. (Private
 * properties never reach a configuration plugin, so the key cannot be stripped on its way: for the moment between
 * the store and the rewrite it is in Configuration Admin.) A blank {@value ApiKeys#PROPERTY} withdraws a key;
 * deleting the configuration forgets it.
 */
@Component(service = { ApiKeys.class, ConfigurationListener.class }, immediate = true)
public final class KeyVault implements ApiKeys, ConfigurationListener {
    private static final Logger LOG = LoggerFactory.getLogger(KeyVault.class);
    private static final String FILE = "api-keys.properties";

    /** A key, or why the configured one was refused. */
    private record Held(Secret secret, String problem) {
    }

    private final ConfigurationAdmin configurationAdmin;
    private final Path store;
    private final Map<String, Held> keys = new ConcurrentHashMap<>();
    private final ExecutorService rewriter = Executors.newSingleThreadExecutor(r -> new Thread(r, "meridian-keys"));

    @Activate
    public KeyVault(BundleContext context, @Reference ConfigurationAdmin configurationAdmin) {
        this.configurationAdmin = configurationAdmin;
        this.store = context.getDataFile(FILE) == null ? null : context.getDataFile(FILE).toPath();
        load();
        try {
            Configuration[] all = configurationAdmin.listConfigurations(null);
            for (Configuration configuration : all == null ? new Configuration[0] : all) {
                Dictionary<String, Object> properties = configuration.getProperties();
                if (properties != null && properties.get(PROPERTY) != null) {
                    take(configuration.getPid(), properties.get(PROPERTY));
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("Key vault could not read the configurations: {}", e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        rewriter.shutdownNow();
    }

    /** Keeps the key of {@code pid} (or withdraws it, when blank) and takes it out of the stored configuration. */
    private void take(String pid, Object value) {
        if (value instanceof String text && text.isBlank()) {
            keys.remove(pid);
        } else if (value instanceof String text) {
            try {
                keys.put(pid, new Held(Secret.configured(text), null));
            } catch (IllegalArgumentException e) {
                keys.put(pid, new Held(null, e.getMessage()));
            }
        } else {
            keys.put(pid, new Held(null, PROPERTY + " must be a string, was a " + value.getClass().getSimpleName()));
        }
        save();
        try {
            rewriter.execute(() -> removeFromConfiguration(pid));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping: the key is saved; the next start takes it out of the configuration
        }
    }

    private void removeFromConfiguration(String pid) {
        try {
            Configuration[] found = configurationAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            for (Configuration configuration : found == null ? new Configuration[0] : found) {
                Dictionary<String, Object> properties = configuration.getProperties();
                // only the key this vault holds: a newer one written meanwhile is taken by its own event first.
                // (Configuration Admin has no compare-and-set; a write landing between this read and the update
                // below would be lost, so operators rotate a key by writing it, not by racing two writers.)
                Held held = keys.get(pid);
                Object stored = properties == null ? null : properties.get(PROPERTY);
                if (stored != null && held != null && held.secret() != null
                        && stored.toString().strip().equals(held.secret().reveal())) {
                    properties.remove(PROPERTY);
                    configuration.update(properties);
                    LOG.info("The API key of {} moved out of its configuration", pid);
                }
            }
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.warn("The API key of {} could not be taken out of its configuration: {}", pid, e.toString());
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            if (keys.remove(event.getPid()) != null) {
                save();
            }
        } else if (event.getType() == ConfigurationEvent.CM_UPDATED) {
            try {
                Configuration[] found = configurationAdmin.listConfigurations("(" + Constants.SERVICE_PID + "="
                        + event.getPid() + ")");
                Dictionary<String, Object> properties = found == null ? null : found[0].getProperties();
                if (properties != null && properties.get(PROPERTY) != null) {
                    take(event.getPid(), properties.get(PROPERTY));
                }
            } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
                LOG.warn("Key vault could not read configuration {}: {}", event.getPid(), e.toString());
            }
        }
    }

    @Override
    public Secret key(String pid) {
        Held held = pid == null ? null : keys.get(pid);
        if (held == null) {
            return null;
        }
        if (held.problem() != null) {
            throw new IllegalArgumentException(held.problem());
        }
        return held.secret();
    }

    // ---- the keys across restarts: one file, readable by its owner only ----

    private void load() {
        if (store == null || !Files.exists(store)) {
            return;
        }
        Properties saved = new Properties();
        try (InputStream in = Files.newInputStream(store)) {
            saved.load(in);
            saved.forEach((pid, key) -> {
                try {
                    keys.put((String) pid, new Held(Secret.configured((String) key), null));
                } catch (IllegalArgumentException e) {
                    keys.put((String) pid, new Held(null, e.getMessage()));
                }
            });
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("Key vault could not read its keys ({}); configure them again", e.getClass().getSimpleName());
        }
    }

    private synchronized void save() {
        if (store == null) {
            return;
        }
        Properties saved = new Properties();
        keys.forEach((pid, held) -> {
            if (held.secret() != null) {
                saved.setProperty(pid, held.secret().reveal());
            }
        });
        Path temporary = store.resolveSibling(FILE + ".tmp");
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(temporary)) {
                saved.store(out, null);
            }
            Files.move(temporary, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.error("Key vault could not save its keys ({}): they last until the host stops",
                    e.getClass().getSimpleName());
        }
    }
}
