package io.textintel.jobs.config;

import io.textintel.connectors.elasticsearch.ElasticsearchConnection;

import java.time.Duration;
import java.util.List;

/**
 * Where enriched documents are indexed, and how the sink batches and retries.
 *
 * @param hosts Elasticsearch URLs, e.g. {@code http://localhost:9200}
 * @param index the documents index (an index template matches it)
 * @param username basic-auth user, with {@code password}; or null
 * @param password basic-auth password; or null
 * @param apiKey an encoded API key, instead of basic auth; or null
 * @param caCertificate PEM file of the CA that signed the nodes' HTTPS certificates; or null
 * @param caFingerprint SHA-256 fingerprint (hex) of the CA certificate, instead of the file; or null
 * @param bulkMaxActions most documents in one bulk request
 * @param bulkMaxSizeMb most megabytes in one bulk request
 * @param bulkFlushInterval longest a document waits in the buffer
 * @param retry how failed bulk requests are retried, and for how long before the job fails
 * @param installTemplates install the index templates when the job starts
 * @param shards primary shards of new indices
 * @param replicas replicas of new indices (0 on a single node)
 * @param indexOptions how the documents template indexes the embedding for kNN
 */
public record ElasticsearchSettings(
        List<String> hosts,
        String index,
        String username,
        String password,
        String apiKey,
        String caCertificate,
        String caFingerprint,
        Integer bulkMaxActions,
        Integer bulkMaxSizeMb,
        Duration bulkFlushInterval,
        ElasticsearchRetrySettings retry,
        Boolean installTemplates,
        Integer shards,
        Integer replicas,
        ElasticsearchIndexOptionsSettings indexOptions) {

    public ElasticsearchSettings {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        index = index == null ? "textintel-documents" : index;
        bulkMaxActions = bulkMaxActions == null ? 1000 : bulkMaxActions;
        bulkMaxSizeMb = bulkMaxSizeMb == null ? 5 : bulkMaxSizeMb;
        bulkFlushInterval = bulkFlushInterval == null ? Duration.ofSeconds(1) : bulkFlushInterval;
        retry = retry == null ? ElasticsearchRetrySettings.defaults() : retry;
        installTemplates = installTemplates == null || installTemplates;
        shards = shards == null ? 1 : shards;
        replicas = replicas == null ? 0 : replicas;
        indexOptions = indexOptions == null ? ElasticsearchIndexOptionsSettings.defaults() : indexOptions;
    }

    void validate(ConfigProblems problems) {
        if (hosts.isEmpty()) {
            problems.add("elasticsearch.hosts", "is empty", "at least one URL such as http://localhost:9200");
        }
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i);
            if (host == null || !(host.startsWith("http://") || host.startsWith("https://"))) {
                problems.add("elasticsearch.hosts[" + i + "]", "is '" + host + "'", "an http:// or https:// URL");
            }
        }
        problems.requireText("elasticsearch.index", index, "an index name");
        if (index != null && !index.equals(index.toLowerCase(java.util.Locale.ROOT))) {
            problems.add("elasticsearch.index", "is '" + index + "'", "a lowercase index name");
        }
        if ((username == null) != (password == null)) {
            problems.add("elasticsearch.username", "is set without a password or the reverse", "both or neither");
        }
        if (username != null && apiKey != null) {
            problems.add("elasticsearch.api-key", "is set together with elasticsearch.username", "one of them");
        }
        if (caCertificate != null && caFingerprint != null) {
            problems.add("elasticsearch.ca-fingerprint", "is set together with elasticsearch.ca-certificate",
                    "one of them");
        } else {
            try {
                ElasticsearchConnection.Tls.of(caCertificate, caFingerprint);
            } catch (IllegalArgumentException e) {
                problems.add(caCertificate != null ? "elasticsearch.ca-certificate" : "elasticsearch.ca-fingerprint",
                        e.getMessage());
            }
        }
        problems.requireAtLeast("elasticsearch.bulk-max-actions", bulkMaxActions, 1);
        problems.requireAtLeast("elasticsearch.bulk-max-size-mb", bulkMaxSizeMb, 1);
        retry.validate(problems);
        indexOptions.validate(problems);
        problems.requireAtLeast("elasticsearch.shards", shards, 1);
        problems.requireAtLeast("elasticsearch.replicas", replicas, 0);
        if (bulkFlushInterval.isNegative() || bulkFlushInterval.isZero()) {
            problems.add("elasticsearch.bulk-flush-interval", "is " + bulkFlushInterval, "a positive duration such as 1s");
        }
    }

    /**
     * The connection these settings describe: hosts, credentials and trusted CA, default timeouts.
     * The CA file is read here, so the connection carries the certificate to the task managers.
     */
    public ElasticsearchConnection connection() {
        ElasticsearchConnection connection = ElasticsearchConnection.of(hosts.toArray(String[]::new))
                .withTls(ElasticsearchConnection.Tls.of(caCertificate, caFingerprint));
        if (apiKey != null) {
            return connection.withAuth(ElasticsearchConnection.Auth.apiKey(apiKey));
        }
        if (username != null) {
            return connection.withAuth(ElasticsearchConnection.Auth.basic(username, password));
        }
        return connection;
    }

    /** These settings with the password and the API key masked. */
    @Override
    public String toString() {
        return "ElasticsearchSettings[hosts=" + hosts + ", index=" + index + ", username=" + username
                + ", password=" + Secrets.mask(password) + ", apiKey=" + Secrets.mask(apiKey)
                + ", caCertificate=" + caCertificate + ", caFingerprint=" + caFingerprint
                + ", bulkMaxActions=" + bulkMaxActions + ", bulkMaxSizeMb=" + bulkMaxSizeMb
                + ", bulkFlushInterval=" + bulkFlushInterval + ", retry=" + retry
                + ", installTemplates=" + installTemplates + ", shards=" + shards + ", replicas=" + replicas
                + ", indexOptions=" + indexOptions + "]";
    }
}
