package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.util.function.ThrowingRunnable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink writer: buffers documents, sends them as bulk requests, retries what the cluster could
 * not take now and hands on what it refuses for good.
 *
 * <p>Threading: all state lives on the task thread. Bulk responses (on the HTTP client's I/O
 * thread) and timers (on this writer's scheduler thread) only post mails to the task's mailbox;
 * the mails update the state and throw there, so a failure fails the task with its context.
 *
 * <p>Every document is, at any time, in exactly one of three places: the buffer, a bulk request in
 * flight, or a batch waiting for its retry backoff. {@link #flush} returns only when all three are
 * empty, which is what makes a checkpoint cover every document written before it.
 *
 * <p>Outages: a batch waiting for a retry takes one of the {@code maxInFlightRequests} slots, like a
 * request in flight. While all slots are taken and the buffer is full, {@link #write} waits, so
 * Flink back-pressures the job instead of the writer piling up batches: memory stays bounded by
 * {@code maxInFlightRequests + 1} batches however long Elasticsearch is away. Transient failures
 * are retried as the {@link RetryPolicy} says, within its time budget; the job fails only when a
 * document has failed for longer than the budget. Refusals for want of a privilege or an index
 * (401, 403, 404 {@code index_not_found_exception}) are not the documents' fault: they are never
 * handed to the rejected-document handler (that would dead-letter the whole stream while the job
 * looks healthy), but held and retried slowly under the same budget, with an ERROR line naming the
 * index and Elasticsearch's reason; an operator who fixes the role in time resumes the job without
 * a restart, and one who does not gets a failed job rather than silence. {@link OutageTracker}
 * writes the outage's log lines and keeps its time.
 *
 * <p>Rejections go to the {@link RejectedDocumentHandler} as they arrive, or, when the sink
 * publishes them through a {@link RejectedDocumentSink}, are collected and returned by
 * {@link #prepareCommit()}, which Flink calls right after the pre-barrier flush: the rejections of
 * one checkpoint epoch leave the writer with that epoch.
 *
 * <p>Overwrites (Elasticsearch answered {@code updated}) are counted, and logged at WARN with the
 * ids, at most once per {@link #OVERWRITE_LOG_INTERVAL}, with the count of those not named since.
 */
final class ElasticsearchWriter<T> implements CommittingSinkWriter<T, RejectedDocuments> {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchWriter.class);

    /** Shortest time between two WARN lines about overwritten documents. */
    static final Duration OVERWRITE_LOG_INTERVAL = Duration.ofSeconds(10);

    private final DocumentSerializer<T> serializer;
    private final IndexFunction<T> indexFunction;
    private final BulkFlushOptions flushOptions;
    private final RetryPolicy retryPolicy;
    private final ElasticsearchAsyncClient client;
    @Nullable private final RejectedDocumentHandler rejectedHandler;
    private final boolean collectRejections;
    private final List<RejectedDocument> pendingRejections = new ArrayList<>();
    private final MailboxExecutor mailbox;
    private final ElasticsearchWriterMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean timedFlushQueued = new AtomicBoolean();
    private final SplittableRandom jitter = new SplittableRandom();
    private final OutageTracker outage;

    private final ArrayDeque<BulkAction> buffer = new ArrayDeque<>();
    private long bufferedBytes;
    private int inFlightRequests;
    /** Requests sent during an outage and not answered yet: the outage is not over while one may still fail. */
    private int inFlightSinceOutage;
    private volatile int batchesAwaitingRetry;
    private boolean closed;
    private long lastOverwriteLogNanos;
    private boolean overwriteLogged;
    private long overwritesNotLogged;

    ElasticsearchWriter(
            DocumentSerializer<T> serializer,
            IndexFunction<T> indexFunction,
            BulkFlushOptions flushOptions,
            RetryPolicy retryPolicy,
            ElasticsearchAsyncClient client,
            @Nullable RejectedDocumentHandler rejectedHandler,
            boolean collectRejections,
            WriterInitContext context) {
        if (rejectedHandler != null && collectRejections) {
            throw new IllegalArgumentException(
                    "Rejections go to a handler or are collected for the pre-commit topology, not both.");
        }
        this.serializer = serializer;
        this.indexFunction = indexFunction;
        this.flushOptions = flushOptions;
        this.retryPolicy = retryPolicy;
        this.client = client;
        this.rejectedHandler = rejectedHandler;
        this.collectRejections = collectRejections;
        this.mailbox = context.getMailboxExecutor();
        this.outage = new OutageTracker(LOG, System::nanoTime, retryPolicy);
        this.metrics = new ElasticsearchWriterMetrics(
                context.metricGroup(), () -> batchesAwaitingRetry, outage);
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "elasticsearch-sink-timer-" + subtask);
            thread.setDaemon(true);
            return thread;
        });
        long intervalMillis = flushOptions.interval().toMillis();
        scheduler.scheduleWithFixedDelay(
                this::queueTimedFlush, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
        checkOpen("write");
        ElasticsearchDocument document = serializer.serialize(element);
        String index = indexFunction.indexFor(element);
        if (index == null || index.isEmpty()) {
            throw new IllegalArgumentException("Index function returned '" + index
                    + "' for document " + document.id() + ", expected an index name.");
        }
        add(new BulkAction(index, document.id(), document.source()));
        while (isBufferFull()) {
            if (hasSendCapacity()) {
                send(takeBatch());
            } else {
                mailbox.yield();
            }
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        checkOpen("flush");
        while (!buffer.isEmpty() || inFlightRequests > 0 || batchesAwaitingRetry > 0) {
            if (!buffer.isEmpty() && hasSendCapacity()) {
                send(takeBatch());
            } else {
                mailbox.yield();
            }
        }
        if (rejectedHandler != null) {
            try {
                rejectedHandler.flush();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("Rejected-document handler failed to flush.", e);
            }
        }
    }

    /**
     * The rejections collected since the last call; empty unless rejections are collected. Flink
     * calls it after {@link #flush}, so every document written before the checkpoint has been
     * answered.
     */
    @Override
    public Collection<RejectedDocuments> prepareCommit() {
        if (pendingRejections.isEmpty()) {
            return List.of();
        }
        RejectedDocuments rejections = new RejectedDocuments(pendingRejections);
        pendingRejections.clear();
        return List.of(rejections);
    }

    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        if (!buffer.isEmpty() || inFlightRequests > 0 || batchesAwaitingRetry > 0) {
            LOG.info("Closing with {} buffered documents, {} bulk requests in flight and {} batches"
                            + " awaiting retry; a restart replays them from the last checkpoint.",
                    buffer.size(), inFlightRequests, batchesAwaitingRetry);
        }
        scheduler.shutdownNow();
        Exception failure = null;
        try {
            client.close();
        } catch (Exception e) {
            failure = e;
        }
        if (rejectedHandler != null) {
            try {
                rejectedHandler.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void add(BulkAction action) {
        buffer.addLast(action);
        bufferedBytes += action.sizeInBytes();
    }

    /** Whether a batch may be sent: requests in flight and batches waiting for a retry share the slots. */
    private boolean hasSendCapacity() {
        return inFlightRequests + batchesAwaitingRetry < flushOptions.maxInFlightRequests();
    }

    private boolean isBufferFull() {
        return buffer.size() >= flushOptions.maxActions() || bufferedBytes >= flushOptions.maxBytes();
    }

    /** Takes the next batch from the buffer: at most max actions and max bytes, at least one. */
    private List<BulkAction> takeBatch() {
        List<BulkAction> batch = new ArrayList<>(Math.min(buffer.size(), flushOptions.maxActions()));
        long batchBytes = 0;
        while (!buffer.isEmpty() && batch.size() < flushOptions.maxActions()) {
            long size = buffer.peekFirst().sizeInBytes();
            if (!batch.isEmpty() && batchBytes + size > flushOptions.maxBytes()) {
                break;
            }
            batch.add(buffer.pollFirst());
            batchBytes += size;
            bufferedBytes -= size;
        }
        return batch;
    }

    /** Sends buffered batches while a slot is free; never waits. */
    private void sendWhileCapacity() {
        while (!buffer.isEmpty() && hasSendCapacity()) {
            send(takeBatch());
        }
    }

    private void send(List<BulkAction> batch) {
        BulkRequest request = BulkAction.bulkRequest(batch);
        inFlightRequests++;
        boolean duringOutage = outage.inOutage();
        if (duringOutage) {
            inFlightSinceOutage++;
        }
        metrics.bulkRequestSent();
        long startNanos = System.nanoTime();
        CompletableFuture<BulkResponse> response;
        try {
            response = client.bulk(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        response.whenComplete((result, failure) -> enqueue(
                () -> onBulkComplete(batch, result, failure, startNanos, duringOutage),
                "handle response to a bulk request of %d documents", batch.size()));
    }

    /** Runs on the task thread when a bulk request is answered or has failed. */
    private void onBulkComplete(
            List<BulkAction> batch, @Nullable BulkResponse response, @Nullable Throwable failure,
            long startNanos, boolean sentDuringOutage) {
        inFlightRequests--;
        if (sentDuringOutage) {
            inFlightSinceOutage--;
        }
        if (closed) {
            return;
        }
        metrics.recordSendTime(Duration.ofNanos(System.nanoTime() - startNanos));
        if (failure != null) {
            onRequestFailure(batch, failure);
            return;
        }
        List<BulkResponseItem> items = response.items();
        if (items.size() != batch.size()) {
            throw new IllegalStateException(String.format(
                    "Bulk response has %d items for a request of %d documents. This is a bug.",
                    items.size(), batch.size()));
        }
        List<BulkAction> retry = new ArrayList<>();
        BulkFailures.Kind retryKind = BulkFailures.Kind.TRANSIENT;
        String retryReason = null;
        String retryIndex = null;
        int throttled = 0;
        int blocked = 0;
        List<String> overwritten = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem item = items.get(i);
            BulkAction action = batch.get(i);
            if (item.error() == null && BulkFailures.isSuccessStatus(item.status())) {
                metrics.documentIndexed(action.source().length);
                if ("updated".equals(item.result())) {
                    metrics.documentOverwritten();
                    overwritten.add(action.id());
                }
                continue;
            }
            BulkFailures.Kind kind = BulkFailures.classifyItem(item.status(), item.error());
            if (kind == BulkFailures.Kind.PERMANENT) {
                reject(action, item);
                continue;
            }
            retry.add(action);
            throttled += item.status() == BulkFailures.TOO_MANY_REQUESTS ? 1 : 0;
            // A blocked item decides the batch's backoff and the reason logged: it is the one an operator must fix.
            if (kind == BulkFailures.Kind.BLOCKED) {
                blocked++;
            }
            if (retryReason == null || (kind == BulkFailures.Kind.BLOCKED && retryKind != kind)) {
                retryKind = kind;
                retryIndex = action.index();
                retryReason = "status " + item.status() + ": " + BulkFailures.describe(item.error());
            }
        }
        metrics.documentsThrottled(throttled);
        metrics.documentsBlocked(blocked);
        if (!overwritten.isEmpty()) {
            logOverwrites(overwritten, batch.size(), batch.get(0).index());
        }
        if (retry.isEmpty()) {
            outage.onSuccess(batchesAwaitingRetry + inFlightSinceOutage);
        } else {
            scheduleRetry(retry, retryKind, retryIndex, retryReason);
        }
    }

    /** WARNs about overwrites, naming ids, at most once per {@link #OVERWRITE_LOG_INTERVAL}. */
    private void logOverwrites(List<String> ids, int batchSize, String index) {
        long now = System.nanoTime();
        if (overwriteLogged && now - lastOverwriteLogNanos < OVERWRITE_LOG_INTERVAL.toNanos()) {
            overwritesNotLogged += ids.size();
            return;
        }
        LOG.warn("{} of {} documents overwrote a document with the same _id in index {} (ids {}{}), {} more"
                        + " since the last such line: expected when a restored job replays them, otherwise"
                        + " different records share an id",
                ids.size(), batchSize, index, ids.subList(0, Math.min(5, ids.size())),
                ids.size() > 5 ? ", ..." : "", overwritesNotLogged);
        overwriteLogged = true;
        lastOverwriteLogNanos = now;
        overwritesNotLogged = 0;
    }

    private void onRequestFailure(List<BulkAction> batch, Throwable failure) {
        String reason = BulkFailures.describe(failure);
        BulkFailures.Kind kind = BulkFailures.classifyRequest(failure);
        if (kind == BulkFailures.Kind.PERMANENT) {
            throw new ElasticsearchSinkException(String.format(
                    "Bulk request of %d documents (first: %s in index %s) failed and cannot be"
                            + " retried: %s",
                    batch.size(), batch.get(0).id(), batch.get(0).index(), reason),
                    BulkFailures.unwrap(failure));
        }
        if (BulkFailures.requestStatus(failure) == BulkFailures.TOO_MANY_REQUESTS) {
            metrics.documentsThrottled(batch.size());
        }
        if (kind == BulkFailures.Kind.BLOCKED) {
            metrics.documentsBlocked(batch.size());
        }
        scheduleRetry(batch, kind, batch.get(0).index(), reason);
    }

    private void reject(BulkAction action, BulkResponseItem item) {
        RejectedDocument rejected = new RejectedDocument(
                action.index(), action.id(), action.source(), item.status(),
                item.error() == null ? null : item.error().type(),
                item.error() == null ? null : item.error().reason());
        metrics.documentRejected();
        if (collectRejections) {
            LOG.warn("{}; publishing it with the next checkpoint", rejected.message());
            pendingRejections.add(rejected);
            return;
        }
        if (rejectedHandler == null) {
            throw new ElasticsearchSinkException(rejected.message()
                    + " (no rejected-document handler is configured)");
        }
        LOG.warn("{}; handing it to the rejected-document handler", rejected.message());
        try {
            rejectedHandler.accept(rejected);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ElasticsearchSinkException(
                    "Rejected-document handler failed to take " + rejected.message(), e);
        }
    }

    /**
     * Puts failed documents aside for a retry after a backoff, or fails the job when one of them
     * has been failing for longer than the retry budget.
     */
    private void scheduleRetry(List<BulkAction> actions, BulkFailures.Kind kind, String index, String reason) {
        long now = System.nanoTime();
        List<BulkAction> retried = new ArrayList<>(actions.size());
        int retry = 0;
        for (BulkAction action : actions) {
            BulkAction next = action.retried(now);
            Duration failingFor = Duration.ofNanos(next.failingForNanos(now));
            if (retryPolicy.isExhausted(failingFor)) {
                throw new ElasticsearchSinkException(String.format(
                        "Document %s for index %s still failed after %d retries in %s, longer than the retry"
                                + " budget of %s (elasticsearch.retry.max-duration): %s",
                        action.id(), action.index(), action.retries(), failingFor, retryPolicy.maxDuration(),
                        reason));
            }
            retried.add(next);
            retry = Math.max(retry, next.retries());
        }
        Duration backoff = kind == BulkFailures.Kind.BLOCKED
                ? retryPolicy.blockedBackoff(jitter)
                : retryPolicy.backoff(retry, jitter);
        if (!outage.inOutage()) {
            metrics.outageStarted();
        }
        batchesAwaitingRetry++;
        metrics.batchRetried(retried.size());
        outage.onRetry(kind, index, reason, retried.size(), batchesAwaitingRetry);
        LOG.debug("Retrying {} documents in {} (retry {}): {}", retried.size(), backoff, retry, reason);
        scheduler.schedule(
                () -> enqueue(() -> onRetryDue(retried), "retry %d documents", retried.size()),
                backoff.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs on the task thread when a retry's backoff has passed: the batch goes first in line. */
    private void onRetryDue(List<BulkAction> actions) {
        batchesAwaitingRetry--;
        if (closed) {
            return;
        }
        for (int i = actions.size() - 1; i >= 0; i--) {
            buffer.addFirst(actions.get(i));
            bufferedBytes += actions.get(i).sizeInBytes();
        }
        sendWhileCapacity();
    }

    /** Runs on the scheduler thread: asks the task thread to send what is buffered. */
    private void queueTimedFlush() {
        if (timedFlushQueued.compareAndSet(false, true)) {
            enqueue(() -> {
                timedFlushQueued.set(false);
                if (!closed) {
                    sendWhileCapacity();
                }
            }, "send buffered documents after the flush interval");
        }
    }

    /** Posts a mail to the task thread, unless the task is already gone. */
    private void enqueue(ThrowingRunnable<? extends Exception> mail, String description, Object... args) {
        try {
            mailbox.execute(mail, description, args);
        } catch (RejectedExecutionException e) {
            LOG.debug("Mailbox closed, dropped mail '{}': the task is shutting down.",
                    String.format(description, args), e);
        }
    }

    private void checkOpen(String call) {
        if (closed) {
            throw new IllegalStateException("Elasticsearch writer is closed, cannot " + call + ".");
        }
    }
}
