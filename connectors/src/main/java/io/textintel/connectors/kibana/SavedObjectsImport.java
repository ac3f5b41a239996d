package io.textintel.connectors.kibana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection.Auth;
import io.textintel.connectors.elasticsearch.ElasticsearchConnection.Tls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.http.Header;
import org.apache.http.HttpResponse;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.impl.nio.client.CloseableHttpAsyncClient;
import org.apache.http.impl.nio.client.HttpAsyncClientBuilder;
import org.apache.http.message.BasicNameValuePair;
import org.apache.http.util.EntityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An import of saved objects into Kibana through its saved-objects API:
 * {@code POST <kibana>[/s/<space>]/api/saved_objects/_import?overwrite=true}, the NDJSON as the
 * {@code file} field of a {@code multipart/form-data} body, with the {@code kbn-xsrf} header Kibana
 * requires of every API call that changes something.
 *
 * <p>Credentials and trusted certificates are the {@link Auth} and {@link Tls} of an Elasticsearch
 * connection, so the same user, API key and CA serve both: basic credentials are sent with the first
 * request (Kibana does not always answer with a challenge), an API key as
 * {@code Authorization: ApiKey <key>}. Kibana answers 200 even when objects fail; the import counts
 * as failed then, and {@link KibanaImportException} names each failing object and its error.
 */
public final class SavedObjectsImport {

    /** How long a connection and the whole import may take unless set otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(SavedObjectsImport.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SPACE_ID = Pattern.compile("[a-z0-9_-]+");

    private final URI kibanaUrl;
    private final Auth auth;
    private final Tls tls;
    private final String space;
    private final boolean overwrite;
    private final Duration timeout;

    private SavedObjectsImport(Builder builder) {
        this.kibanaUrl = builder.kibanaUrl;
        this.auth = builder.auth;
        this.tls = builder.tls;
        this.space = builder.space;
        this.overwrite = builder.overwrite;
        this.timeout = builder.timeout;
    }

    /** A builder; the Kibana URL is required, the rest has defaults (no credentials, JVM trust, default space). */
    public static Builder builder() {
        return new Builder();
    }

    /** The URL the import posts to. */
    public URI endpoint() {
        String base = kibanaUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String spacePath = space == null ? "" : "/s/" + space;
        return URI.create(base + spacePath + "/api/saved_objects/_import?overwrite=" + overwrite);
    }

    /**
     * Imports the objects of one NDJSON file.
     *
     * @param fileName the file name Kibana sees; it must end in {@code .ndjson}
     * @param ndjson the saved objects, one JSON object a line
     * @return what Kibana imported
     * @throws KibanaImportException when Kibana refuses the request or any object in it
     * @throws IOException when Kibana cannot be reached or answers what is not the import API's JSON
     */
    public ImportResult run(String fileName, byte[] ndjson) throws IOException {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(ndjson, "ndjson");
        if (!fileName.endsWith(".ndjson") || fileName.contains("\"") || fileName.contains("\n")) {
            throw new IllegalArgumentException("File name is '" + fileName
                    + "', expected a name ending in .ndjson without quotes or line breaks.");
        }
        String boundary = "textintel-" + UUID.randomUUID();
        HttpPost post = new HttpPost(endpoint());
        authorize(post);
        post.setHeader("kbn-xsrf", "true");
        post.setEntity(new ByteArrayEntity(multipart(boundary, fileName, ndjson),
                ContentType.create("multipart/form-data").withParameters(new BasicNameValuePair("boundary", boundary))));
        int millis = Math.toIntExact(timeout.toMillis());
        post.setConfig(RequestConfig.custom().setConnectTimeout(millis).setSocketTimeout(millis).build());

        HttpAsyncClientBuilder clientBuilder = HttpAsyncClientBuilder.create().useSystemProperties();
        tls.configure(clientBuilder);
        try (CloseableHttpAsyncClient client = clientBuilder.build()) {
            client.start();
            HttpResponse response = client.execute(post, null).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int status = response.getStatusLine().getStatusCode();
            String body = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            return parse(status, body);
        } catch (ExecutionException e) {
            throw new IOException("Cannot reach Kibana at " + endpoint() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("Kibana at " + endpoint() + " did not answer within " + timeout + ".", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while importing saved objects into Kibana at " + endpoint() + ".", e);
        }
    }

    private void authorize(HttpPost post) {
        if (auth instanceof Auth.Basic basic) {
            String token = basic.username() + ":" + basic.password();
            post.setHeader("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        } else {
            for (Header header : auth.headers()) {
                post.setHeader(header);
            }
        }
    }

    private static byte[] multipart(String boundary, String fileName, byte[] ndjson) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(ndjson.length + 256);
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: application/ndjson\r\n\r\n";
        body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(ndjson);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private ImportResult parse(int status, String body) throws IOException {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        if (status != 200) {
            String message = json != null && json.hasNonNull("message") ? json.get("message").asText() : body;
            throw new KibanaImportException("Kibana at " + endpoint() + " answered " + status + ": " + message
                    + (status == 401 || status == 403 ? " (check the Elasticsearch credentials; the user needs"
                            + " the Kibana privilege to manage saved objects)" : ""), List.of());
        }
        if (json == null || !json.has("success")) {
            throw new IOException("Kibana at " + endpoint() + " answered 200 with '" + abbreviate(body)
                    + "', expected the saved-objects import API's JSON with a success field.");
        }
        List<String> imported = new ArrayList<>();
        for (JsonNode result : json.path("successResults")) {
            imported.add(result.path("type").asText() + " " + result.path("id").asText());
        }
        List<String> failures = new ArrayList<>();
        for (JsonNode error : json.path("errors")) {
            failures.add(describe(error));
        }
        if (!json.get("success").asBoolean() || !failures.isEmpty()) {
            throw new KibanaImportException("Kibana at " + endpoint() + " did not import " + failures.size()
                    + " saved object(s): " + String.join("; ", failures), failures);
        }
        int count = json.path("successCount").asInt(imported.size());
        LOG.info("Imported {} saved objects into Kibana at {}", count, endpoint());
        return new ImportResult(count, imported);
    }

    private static String describe(JsonNode error) {
        String title = error.path("meta").path("title").asText(error.path("title").asText(""));
        JsonNode detail = error.path("error");
        StringBuilder text = new StringBuilder()
                .append(error.path("type").asText()).append(' ').append(error.path("id").asText());
        if (!title.isEmpty()) {
            text.append(" (").append(title).append(')');
        }
        text.append(": ").append(detail.path("type").asText("unknown error"));
        if (detail.hasNonNull("message")) {
            text.append(", ").append(detail.get("message").asText());
        }
        if (detail.has("references")) {
            List<String> missing = new ArrayList<>();
            for (JsonNode reference : detail.get("references")) {
                missing.add(reference.path("type").asText() + " " + reference.path("id").asText());
            }
            text.append(", missing ").append(missing);
        }
        return text.toString();
    }

    private static String abbreviate(String body) {
        return body.length() <= 200 ? body : body.substring(0, 200) + "...";
    }

    /**
     * What an import did.
     *
     * @param successCount objects Kibana imported, as its {@code successCount} says
     * @param imported type and id of each imported object, e.g. {@code dashboard textintel-overview}
     */
    public record ImportResult(int successCount, List<String> imported) {
        public ImportResult {
            imported = List.copyOf(imported);
        }
    }

    /** Builds a {@link SavedObjectsImport}; {@link #build()} checks the settings. */
    public static final class Builder {
        private URI kibanaUrl;
        private Auth auth = Auth.none();
        private Tls tls = Tls.systemTrust();
        private String space;
        private boolean overwrite = true;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        /** Kibana's base URL, e.g. {@code https://kibana:5601} or {@code https://proxy/kibana}. */
        public Builder kibanaUrl(String url) {
            Objects.requireNonNull(url, "url");
            try {
                this.kibanaUrl = new URI(url.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("Kibana URL '" + url + "' is not a URL, expected e.g. http://localhost:5601.", e);
            }
            return this;
        }

        /** The credentials, as for Elasticsearch. */
        public Builder auth(Auth auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** The server certificates trusted for an {@code https} Kibana URL. */
        public Builder tls(Tls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** The Kibana space to import into; null for the default space. */
        public Builder space(String space) {
            this.space = space;
            return this;
        }

        /** Whether objects with the same id are replaced (default true, so a re-run updates them). */
        public Builder overwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /** The connect and response timeout. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public SavedObjectsImport build() {
            if (kibanaUrl == null) {
                throw new IllegalArgumentException("Kibana URL is not set, expected e.g. http://localhost:5601.");
            }
            String scheme = kibanaUrl.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || kibanaUrl.getHost() == null || kibanaUrl.getQuery() != null || kibanaUrl.getUserInfo() != null) {
                throw new IllegalArgumentException("Kibana URL '" + kibanaUrl
                        + "' is not an http or https URL with a host and without query or user info,"
                        + " expected e.g. http://localhost:5601.");
            }
            if (space != null && (space.equals("default") || space.isEmpty())) {
                space = null;
            }
            if (space != null && !SPACE_ID.matcher(space).matches()) {
                throw new IllegalArgumentException("Kibana space id is '" + space
                        + "', expected lower-case letters, digits, '_' and '-'.");
            }
            if (timeout.isZero() || timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Timeout is " + timeout + ", expected a positive duration.");
            }
            return new SavedObjectsImport(this);
        }
    }
}
