package io.textintel.connectors.elasticsearch;

import java.util.Objects;

/**
 * A composable index template ready to install: its name and its JSON body as the
 * {@code PUT _index_template/<name>} API takes it.
 *
 * @param name the template name
 * @param json the request body: index_patterns, priority, _meta and template (settings, mappings)
 */
public record IndexTemplate(String name, String json) {

    public IndexTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(json, "json");
    }
}
