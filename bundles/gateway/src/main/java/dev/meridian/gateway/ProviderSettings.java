package dev.meridian.gateway;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A provider's settings as its bundle's metatype describes them: each attribute's name, the value it runs with and
 * the default. Passwords never: their attributes are left out, and a key is not a service property anyway.
 */
final class ProviderSettings {
    private final BundleContext context;
    private final MetaTypeService metatype;

    /** @param metatype {@code null} when the host runs no metatype service: then no provider has settings */
    ProviderSettings(BundleContext context, MetaTypeService metatype) {
        this.context = context;
        this.metatype = metatype;
    }

    /** The settings of the provider registered as service {@code serviceId}; empty when it has no metatype. */
    ArrayNode of(long serviceId) {
        ArrayNode settings = OpenAiShapes.JSON.createArrayNode();
        ServiceReference<?> reference = reference(serviceId);
        ObjectClassDefinition ocd = reference == null ? null : definition(reference);
        if (ocd == null) {
            return settings;
        }
        for (AttributeDefinition attribute : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            if (attribute.getType() == AttributeDefinition.PASSWORD) {
                continue;
            }
            ObjectNode setting = settings.addObject();
            setting.put("id", attribute.getID());
            setting.put("name", attribute.getName());
            Object value = reference.getProperty(attribute.getID());
            if (value != null) {
                setting.put("value", text(value));
            }
            String[] defaults = attribute.getDefaultValue();
            if (defaults != null && defaults.length > 0) {
                setting.put("default", String.join(", ", defaults));
            }
        }
        return settings;
    }

    private ServiceReference<?> reference(long serviceId) {
        try {
            ServiceReference<?>[] references = context.getServiceReferences((String) null,
                    "(" + Constants.SERVICE_ID + "=" + serviceId + ")");
            return references == null || references.length == 0 ? null : references[0];
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectClassDefinition definition(ServiceReference<?> reference) {
        Object pid = reference.getProperty("service.factoryPid");
        if (pid == null) {
            pid = reference.getProperty(Constants.SERVICE_PID);
        }
        MetaTypeInformation information = metatype == null || reference.getBundle() == null ? null
                : metatype.getMetaTypeInformation(reference.getBundle());
        if (!(pid instanceof String name) || information == null) {
            return null;
        }
        try {
            return information.getObjectClassDefinition(name, null);
        } catch (IllegalArgumentException notDescribed) {
            return null;
        }
    }

    private static String text(Object value) {
        if (value.getClass().isArray()) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                values.add(String.valueOf(Array.get(value, i)));
            }
            return String.join(", ", values);
        }
        return String.valueOf(value);
    }
}
