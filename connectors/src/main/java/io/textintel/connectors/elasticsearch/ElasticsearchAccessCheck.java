package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.security.HasPrivilegesResponse;
import co.elastic.clients.transport.ElasticsearchTransport;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks at start that a connection's credentials are accepted and hold the privileges a pipeline
 * needs, with {@code GET _security/user/_has_privileges}, so that a wrong password or a role
 * missing a privilege fails with one clear message instead of failed bulk requests later.
 *
 * <pre>{@code
 * ElasticsearchAccessCheck.builder()
 *         .clusterPrivileges("manage_index_templates")
 *         .indexPrivileges(List.of("textintel-documents*"), "create_index", "index")
 *         .build()
 *         .run(connection);
 * }</pre>
 *
 * <p>A connection without credentials is not checked: there is nothing to check on a cluster with
 * security off, and anonymous access has no user to ask about. A cluster that answers that security
 * is disabled is logged and accepted.
 */
public final class ElasticsearchAccessCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchAccessCheck.class);

    private final List<String> clusterPrivileges;
    private final Map<String, List<String>> indexPrivileges;

    private ElasticsearchAccessCheck(List<String> clusterPrivileges, Map<String, List<String>> indexPrivileges) {
        this.clusterPrivileges = List.copyOf(clusterPrivileges);
        this.indexPrivileges = Map.copyOf(indexPrivileges);
    }

    /** A builder of the privileges to require. */
    public static Builder builder() {
        return new Builder();
    }

    /** The cluster privileges required. */
    public List<String> clusterPrivileges() {
        return clusterPrivileges;
    }

    /** The index privileges required, by index name or pattern. */
    public Map<String, List<String>> indexPrivileges() {
        return indexPrivileges;
    }

    /**
     * Asks the cluster whether the connection's credentials hold every required privilege.
     *
     * @throws ElasticsearchAccessException when the cluster cannot be reached, its certificate is
     *     not trusted, the credentials are refused, or privileges are missing (all listed)
     */
    public void run(ElasticsearchConnection connection) throws ElasticsearchAccessException {
        Objects.requireNonNull(connection, "connection");
        if (connection.auth() instanceof ElasticsearchConnection.Auth.None) {
            LOG.info("Elasticsearch at {}: no credentials configured, privilege check skipped",
                    connection.describeHosts());
            return;
        }
        HasPrivilegesResponse response;
        try (ElasticsearchTransport transport = connection.createTransport()) {
            ElasticsearchClient client = new ElasticsearchClient(transport);
            response = client.security().hasPrivileges(request -> {
                if (!clusterPrivileges.isEmpty()) {
                    request.cluster(clusterPrivileges);
                }
                indexPrivileges.forEach((index, privileges) ->
                        request.index(i -> i.names(index).privileges(privileges)));
                return request;
            });
        } catch (ElasticsearchException e) {
            if (securityDisabled(e)) {
                LOG.warn("Elasticsearch at {} answers that security is disabled; credentials are not used and the"
                        + " privilege check is skipped", connection.describeHosts());
                return;
            }
            throw refused(connection, e);
        } catch (IOException | RuntimeException e) {
            throw unreachable(connection, e);
        }
        List<String> missing = missing(response);
        if (!missing.isEmpty()) {
            throw new ElasticsearchAccessException(ElasticsearchAccessException.Kind.MISSING_PRIVILEGES, String.format(
                    "Elasticsearch user '%s' at %s (%s) lacks privileges the pipeline needs: %s. Grant them to its"
                            + " role (see the README's security section for a role with exactly these).",
                    response.username(), connection.describeHosts(), connection.auth(), String.join("; ", missing)),
                    null);
        }
        LOG.info("Elasticsearch user '{}' at {} holds the privileges the pipeline needs", response.username(),
                connection.describeHosts());
    }

    /** The privileges the response denies, as {@code cluster: x} and {@code index 'p': a, b}. */
    private List<String> missing(HasPrivilegesResponse response) {
        List<String> missing = new ArrayList<>();
        List<String> cluster = new ArrayList<>();
        response.cluster().forEach((privilege, granted) -> {
            if (!granted) {
                cluster.add(privilege);
            }
        });
        if (!cluster.isEmpty()) {
            missing.add("cluster: " + String.join(", ", cluster));
        }
        response.index().forEach((index, privileges) -> {
            List<String> denied = new ArrayList<>();
            privileges.forEach((privilege, granted) -> {
                if (!granted) {
                    denied.add(privilege);
                }
            });
            if (!denied.isEmpty()) {
                missing.add("index '" + index + "': " + String.join(", ", denied));
            }
        });
        return missing;
    }

    private static boolean securityDisabled(ElasticsearchException e) {
        String reason = e.error() == null || e.error().reason() == null ? "" : e.error().reason().toLowerCase(Locale.ROOT);
        return e.status() != 401 && e.status() != 403 && reason.contains("security")
                && (reason.contains("not enabled") || reason.contains("disabled") || reason.contains("must be explicitly enabled"));
    }

    private static ElasticsearchAccessException refused(ElasticsearchConnection connection, ElasticsearchException e) {
        String reason = e.error() == null ? e.getMessage() : e.error().type() + ": " + e.error().reason();
        if (e.status() == 401) {
            return new ElasticsearchAccessException(ElasticsearchAccessException.Kind.AUTHENTICATION, String.format(
                    "Elasticsearch at %s refused the credentials %s (HTTP 401: %s); check elasticsearch.username and"
                            + " elasticsearch.password, or elasticsearch.api-key.",
                    connection.describeHosts(), connection.auth(), reason), e);
        }
        return new ElasticsearchAccessException(ElasticsearchAccessException.Kind.CHECK_FAILED, String.format(
                "Elasticsearch at %s answered the privilege check with HTTP %d (%s), expected the privileges of %s.",
                connection.describeHosts(), e.status(), reason, connection.auth()), e);
    }

    private static ElasticsearchAccessException unreachable(ElasticsearchConnection connection, Exception e) {
        Throwable ssl = cause(e, SSLException.class);
        if (ssl != null) {
            return new ElasticsearchAccessException(ElasticsearchAccessException.Kind.TLS, String.format(
                    "TLS with Elasticsearch at %s failed (%s); trust its CA with elasticsearch.ca-certificate or"
                            + " elasticsearch.ca-fingerprint (trust now: %s).",
                    connection.describeHosts(), ssl.getMessage(), connection.tls()), e);
        }
        Throwable connect = cause(e, ConnectException.class);
        return new ElasticsearchAccessException(ElasticsearchAccessException.Kind.UNREACHABLE, String.format(
                "Elasticsearch at %s cannot be reached (%s); check elasticsearch.hosts.",
                connection.describeHosts(), connect != null ? connect.getMessage() : e.toString()), e);
    }

    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        Set<Throwable> seen = new LinkedHashSet<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    /** The privileges to require; {@link #build()} checks that there is at least one. */
    public static final class Builder {
        private final List<String> clusterPrivileges = new ArrayList<>();
        private final Map<String, List<String>> indexPrivileges = new LinkedHashMap<>();

        private Builder() {}

        /** Requires these cluster privileges, e.g. {@code manage_index_templates}. */
        public Builder clusterPrivileges(String... privileges) {
            for (String privilege : privileges) {
                clusterPrivileges.add(requireName(privilege, "cluster privilege"));
            }
            return this;
        }

        /** Requires these privileges on each of {@code indices} (names or patterns such as {@code docs*}). */
        public Builder indexPrivileges(List<String> indices, String... privileges) {
            if (privileges.length == 0) {
                throw new IllegalArgumentException("No index privileges given for " + indices + ", expected at least one.");
            }
            for (String index : indices) {
                List<String> list = new ArrayList<>(indexPrivileges.getOrDefault(requireName(index, "index"), List.of()));
                for (String privilege : privileges) {
                    if (!list.contains(requireName(privilege, "index privilege"))) {
                        list.add(privilege);
                    }
                }
                indexPrivileges.put(index, List.copyOf(list));
            }
            return this;
        }

        /** The check; at least one privilege must be required. */
        public ElasticsearchAccessCheck build() {
            if (clusterPrivileges.isEmpty() && indexPrivileges.isEmpty()) {
                throw new IllegalArgumentException("No privileges to check, expected cluster or index privileges.");
            }
            return new ElasticsearchAccessCheck(clusterPrivileges, indexPrivileges);
        }

        private static String requireName(String name, String what) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("A " + what + " is '" + name + "', expected a name.");
            }
            return name;
        }
    }
}
