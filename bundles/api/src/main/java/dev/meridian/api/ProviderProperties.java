package dev.meridian.api;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties every {@link ModelProvider} registers, as a component property type: annotate a DS
 * component with {@code @ProviderProperties(id = "openai", scope = "global", models = {...})}.
 * Property names get the prefix {@value #PREFIX_}: {@code meridian.provider.id}, {@code meridian.provider.scope},
 * {@code meridian.provider.models}.
 */
@ComponentPropertyType
public @interface ProviderProperties {
    String PREFIX_ = "meridian.provider.";

    /** Full name of the id property. */
    String ID = PREFIX_ + "id";
    /** Full name of the scope property. */
    String SCOPE = PREFIX_ + "scope";
    /** Full name of the models property. */
    String MODELS = PREFIX_ + "models";

    /** Stable provider id, unique in the host ({@code openai}, {@code dashscope-cn}, {@code local}). */
    String id();

    /**
     * Residency scope: where request data is processed ({@code device}, {@code cn-mainland}, {@code intl},
     * {@code global}, {@code eu}, ...).
     */
    String scope();

    /** The models it serves; the first is its default. */
    String[] models() default {};
}
