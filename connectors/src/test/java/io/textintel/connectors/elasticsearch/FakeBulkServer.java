package io.textintel.connectors.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for Elasticsearch's {@code _bulk} endpoint, scripted per request.
 *
 * <p>It parses each NDJSON bulk body, asks the {@link Behaviour} how to answer, stores the
 * documents it acknowledged, and can hold responses until a test opens a gate, to observe what the
 * writer does while requests are in flight.
 */
final class FakeBulkServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One index action of a received bulk request. */
    record Item(String index, String id, String source) {}

    /** One received bulk request, with the time it arrived. */
    record Request(List<Item> items, long receivedNanos) {
        List<String> ids() {
            return items.stream().map(Item::id).toList();
        }
    }

    /** The answer to one bulk request: a whole-request error status, or one status per item. */
    record Reply(int requestStatus, List<Integer> itemStatuses) {
        static Reply items(Integer... statuses) {
            return new Reply(200, List.of(statuses));
        }

        static Reply request(int status) {
            return new Reply(status, List.of());
        }
    }

    /** How to answer the request with the given number (0-based). */
    @FunctionalInterface
    interface Behaviour {
        Reply reply(int requestNumber, List<Item> items);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> stored = new ConcurrentHashMap<>();
    private volatile Behaviour behaviour = (number, items) -> allSucceed(items.size());
    private volatile CountDownLatch gate = new CountDownLatch(0);

    FakeBulkServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/_bulk", this::handleBulk);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void setBehaviour(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    /** Holds every response until {@link #openGate()}. */
    void closeGate() {
        gate = new CountDownLatch(1);
    }

    void openGate() {
        gate.countDown();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    Map<String, String> storedDocuments() {
        return Map.copyOf(stored);
    }

    /** Waits until at least {@code count} requests have arrived. */
    void awaitRequests(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (requests.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Expected " + count + " bulk requests within " + timeout
                        + ", got " + requests.size());
            }
            Thread.sleep(5);
        }
    }

    static Reply allSucceed(int items) {
        Integer[] statuses = new Integer[items];
        java.util.Arrays.fill(statuses, 201);
        return Reply.items(statuses);
    }

    private void handleBulk(HttpExchange exchange) throws IOException {
        try (exchange) {
            List<Item> items = parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int number = requests.size();
            requests.add(new Request(items, System.nanoTime()));
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IOException("Gate stayed closed for 30 s.");
            }
            Reply reply = behaviour.reply(number, items);
            if (reply.requestStatus() != 200) {
                respond(exchange, reply.requestStatus(), requestError(reply.requestStatus()));
                return;
            }
            respond(exchange, 200, bulkResponse(items, reply.itemStatuses()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while holding a response.", e);
        }
    }

    private static List<Item> parse(String body) throws IOException {
        List<Item> items = new ArrayList<>();
        String[] lines = body.split("\n");
        for (int i = 0; i + 1 < lines.length; i += 2) {
            JsonNode action = JSON.readTree(lines[i]).get("index");
            if (action == null) {
                throw new IOException("Expected an index action, got " + lines[i]);
            }
            items.add(new Item(action.get("_index").asText(), action.get("_id").asText(), lines[i + 1]));
        }
        return items;
    }

    private byte[] bulkResponse(List<Item> items, List<Integer> statuses) throws IOException {
        if (statuses.size() != items.size()) {
            throw new IOException("Scripted " + statuses.size() + " statuses for " + items.size() + " items");
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("took", 1);
        root.put("errors", statuses.stream().anyMatch(s -> s >= 300));
        ArrayNode array = root.putArray("items");
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            int status = statuses.get(i);
            ObjectNode result = array.addObject().putObject("index");
            result.put("_index", item.index());
            result.put("_id", item.id());
            result.put("status", status);
            if (status < 300) {
                stored.put(item.id(), item.source());
                // Elasticsearch answers 201 for a new document and 200 for one that replaced another.
                result.put("_version", status == 200 ? 2 : 1);
                result.put("result", status == 200 ? "updated" : "created");
                result.put("_seq_no", 0);
                result.put("_primary_term", 1);
                result.putObject("_shards").put("total", 1).put("successful", 1).put("failed", 0);
            } else {
                ObjectNode error = result.putObject("error");
                if (status == 429) {
                    error.put("type", "es_rejected_execution_exception");
                    error.put("reason", "rejected execution of coordinating operation");
                } else if (status == 403) {
                    error.put("type", "security_exception");
                    error.put("reason", "action [indices:data/write/bulk[s]] is unauthorized for user [writer]"
                            + " with effective roles [reader] on indices [" + item.index() + "], this action is"
                            + " granted by the index privileges [create_doc,create,index,write,all]");
                } else if (status == 404) {
                    error.put("type", "index_not_found_exception");
                    error.put("reason", "no such index [" + item.index() + "]");
                } else if (status >= 500) {
                    error.put("type", "unavailable_shards_exception");
                    error.put("reason", "primary shard is not active");
                } else {
                    error.put("type", "mapper_parsing_exception");
                    error.put("reason", "failed to parse field [embedding] of type [dense_vector]");
                }
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private static byte[] requestError(int status) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        if (status == 401) {
            error.put("type", "security_exception");
            error.put("reason", "unable to authenticate user [writer] for REST request [/_bulk]");
        } else {
            error.put("type", status >= 500 ? "cluster_block_exception" : "illegal_argument_exception");
            error.put("reason", status >= 500 ? "blocked by: [SERVICE_UNAVAILABLE/2/no master]" : "bad bulk request");
        }
        root.put("status", status);
        return JSON.writeValueAsBytes(root);
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("X-Elastic-Product", "Elasticsearch");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        openGate();
        server.stop(0);
        executor.shutdownNow();
    }
}
