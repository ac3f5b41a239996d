package io.textintel.services;

/**
 * {@link LocalElasticsearchITCase} on the Elasticsearch 9 distribution: the node starts on a JDK 21+
 * found by {@link ElasticsearchJava}, and the elasticsearch-java 8 client talks to it (it sends
 * {@code compatible-with=8}, which Elasticsearch 9 honours).
 */
class LocalElasticsearch9ITCase extends LocalElasticsearchITCase {

    @Override
    String version() {
        return "9";
    }
}
