package io.textintel.jobs;

import io.textintel.connectors.elasticsearch.DocumentSerializer;
import io.textintel.connectors.elasticsearch.ElasticsearchDocument;
import io.textintel.operators.drift.ReferenceProfile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;

/**
 * The Elasticsearch document of a drift reference profile: its {@link ReferenceProfile#describe()
 * summary} (what normal was: quantiles, shares, directions, thresholds), under its version as
 * {@code _id}, so a profile indexed again overwrites itself.
 */
final class ReferenceProfileDocumentSerializer implements DocumentSerializer<ReferenceProfile> {

    private static final long serialVersionUID = 1L;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ElasticsearchDocument serialize(ReferenceProfile profile) {
        try {
            return new ElasticsearchDocument(profile.version(), JSON.writeValueAsBytes(profile.describe()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Could not write reference profile " + profile.version() + " as JSON.", e);
        }
    }
}
