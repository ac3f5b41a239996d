package io.textintel.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A client of the parts of Flink's REST API that a deployment uses: jar upload and run, job and
 * task state, checkpoint statistics, cancellation, registered TaskManagers. Plain
 * {@link java.net.http.HttpClient} with JSON through Jackson, so that it sees what any other REST
 * client of the cluster would.
 */
public final class FlinkRestClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A client of the REST endpoint at {@code baseUrl}, e.g. {@code http://127.0.0.1:8081}. */
    public FlinkRestClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** The REST endpoint's base URL. */
    public String baseUrl() {
        return baseUrl;
    }

    /** A job's state and the state counts of its vertices' subtasks. */
    public record JobState(String state, List<VertexState> vertices) {

        /** Whether the job is RUNNING and every subtask of every vertex is RUNNING. */
        public boolean allTasksRunning() {
            return state.equals("RUNNING") && vertices.stream().allMatch(v -> v.running() == v.parallelism());
        }

        /** Whether the job has reached a state it never leaves. */
        public boolean globallyTerminal() {
            return List.of("FINISHED", "CANCELED", "FAILED").contains(state);
        }
    }

    /** One vertex: its id, name, parallelism and how many of its subtasks are RUNNING. */
    public record VertexState(String id, String name, int parallelism, int running) {}

    /** Checkpoint statistics: counts and end-to-end durations in milliseconds. */
    public record CheckpointStats(long completed, long failed, long restored, long minMillis, long avgMillis,
            long maxMillis) {}

    /** Uploads {@code jar} ({@code POST /jars/upload}, multipart field {@code jarfile}) and returns its jar id. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----textintel" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode response = send(HttpRequest.newBuilder(uri("/jars/upload"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        if (!response.path("status").asText().equals("success")) {
            throw new IllegalStateException("jar upload of " + jar + " answered " + response);
        }
        String filename = response.path("filename").asText();
        return Path.of(filename).getFileName().toString();
    }

    /**
     * Runs an uploaded jar ({@code POST /jars/{jarid}/run}): the JobManager calls {@code entryClass}'s
     * main with {@code programArgs}; returns the job id.
     */
    public String runJar(String jarId, String entryClass, List<String> programArgs, int parallelism)
            throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.put("entryClass", entryClass);
        request.set("programArgsList", JSON.valueToTree(programArgs));
        request.put("parallelism", parallelism);
        JsonNode response = send(HttpRequest.newBuilder(uri("/jars/" + jarId + "/run"))
                .timeout(Duration.ofMinutes(3))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))));
        return response.path("jobid").asText();
    }

    /** The job's state and its vertices' subtask states ({@code GET /jobs/{id}}). */
    public JobState job(String jobId) throws IOException, InterruptedException {
        JsonNode job = get("/jobs/" + jobId);
        List<VertexState> vertices = new ArrayList<>();
        for (JsonNode vertex : job.path("vertices")) {
            vertices.add(new VertexState(vertex.path("id").asText(), vertex.path("name").asText(),
                    vertex.path("parallelism").asInt(), vertex.path("tasks").path("RUNNING").asInt()));
        }
        return new JobState(job.path("state").asText(), vertices);
    }

    /**
     * The highest execution attempt number of any subtask of the job ({@code GET
     * /jobs/{id}/vertices/{vid}}): how often the most restarted subtask was restarted.
     */
    public int latestAttempt(String jobId) throws IOException, InterruptedException {
        int latest = 0;
        for (VertexState vertex : job(jobId).vertices()) {
            for (JsonNode subtask : get("/jobs/" + jobId + "/vertices/" + vertex.id()).path("subtasks")) {
                latest = Math.max(latest, subtask.path("attempt").asInt());
            }
        }
        return latest;
    }

    /** The job's checkpoint statistics ({@code GET /jobs/{id}/checkpoints}). */
    public CheckpointStats checkpoints(String jobId) throws IOException, InterruptedException {
        JsonNode stats = get("/jobs/" + jobId + "/checkpoints");
        JsonNode counts = stats.path("counts");
        JsonNode duration = stats.path("summary").path("end_to_end_duration");
        return new CheckpointStats(counts.path("completed").asLong(), counts.path("failed").asLong(),
                counts.path("restored").asLong(), duration.path("min").asLong(), duration.path("avg").asLong(),
                duration.path("max").asLong());
    }

    /** Cancels the job ({@code PATCH /jobs/{id}?mode=cancel}). */
    public void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
                .timeout(REQUEST_TIMEOUT)
                .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * The ids ({@code <subtask>.<operator>.<name>}) of a job vertex's metrics that contain {@code
     * contains} ({@code GET /jobs/{id}/vertices/{vid}/metrics}).
     */
    public List<String> vertexMetricIds(String jobId, String vertexId, String contains)
            throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (JsonNode metric : get("/jobs/" + jobId + "/vertices/" + vertexId + "/metrics")) {
            if (metric.path("id").asText().contains(contains)) {
                ids.add(metric.path("id").asText());
            }
        }
        return ids;
    }

    /** The values of a job vertex's metrics {@code ids}, by id ({@code GET .../metrics?get=id,id}). */
    public Map<String, String> vertexMetrics(String jobId, String vertexId, List<String> ids)
            throws IOException, InterruptedException {
        Map<String, String> values = new TreeMap<>();
        String get = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
        for (JsonNode metric : get("/jobs/" + jobId + "/vertices/" + vertexId + "/metrics?get=" + get)) {
            values.put(metric.path("id").asText(), metric.path("value").asText());
        }
        return values;
    }

    /** How many TaskManagers are registered ({@code GET /taskmanagers}). */
    public int taskManagerCount() throws IOException, InterruptedException {
        return get("/taskmanagers").path("taskmanagers").size();
    }

    /** The cluster's overview ({@code GET /overview}): slots, TaskManagers, jobs. */
    public Map<String, Object> overview() throws IOException, InterruptedException {
        return JSON.convertValue(get("/overview"), JSON.getTypeFactory().constructMapType(Map.class, String.class,
                Object.class));
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).GET());
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest built = request.header("Accept", "application/json").build();
        HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(built.method() + " " + built.uri() + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }
}
