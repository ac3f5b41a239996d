-- Feedback from Kafka (JSON) -> embeddings and topic tags with ML_PREDICT on textintel models -> Elasticsearch.
--
-- In-process:   bin/textintel sql -f sql/examples/feedback.sql
-- On a cluster: Flink's SQL client with the job jar, e.g. bin/sql-client.sh -j textintel-jobs.jar -f feedback.sql
-- Both rows' models share one engine per JVM (same model and engine settings): their rows are batched together.

CREATE TABLE feedback (
  id STRING,
  text STRING,
  source STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'feedback',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'textintel-sql',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

CREATE MODEL feedback_embedder
  INPUT (text STRING)
  OUTPUT (embedding ARRAY<FLOAT>)
  WITH (
    'provider' = 'textintel',
    'task' = 'embed',
    'model' = 'maven:all-minilm-l6-v2'
  );

CREATE MODEL feedback_tagger
  INPUT (text STRING)
  OUTPUT (tags ARRAY<ROW<label STRING, score FLOAT>>)
  WITH (
    'provider' = 'textintel',
    'task' = 'tag',
    'mode' = 'zero-shot',
    'model' = 'maven:all-minilm-l6-v2',
    'labels' = 'billing;delivery;app_crash;praise;refund',
    'top-k' = '2'
  );

CREATE TABLE enriched_feedback (
  id STRING,
  text STRING,
  source STRING,
  embedding ARRAY<FLOAT>,
  tags ARRAY<ROW<label STRING, score FLOAT>>,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'textintel-elasticsearch',
  'hosts' = 'http://localhost:9200',
  'index' = 'feedback-sql',
  'dense-vector.column' = 'embedding',
  'dense-vector.dims' = '384',
  'dead-letter.topic' = 'feedback-sql-rejected',
  'dead-letter.bootstrap-servers' = 'localhost:9092'
);

CREATE TEMPORARY VIEW embedded_feedback AS
  SELECT * FROM ML_PREDICT(TABLE feedback, MODEL feedback_embedder, DESCRIPTOR(text));

-- Rows without an id (unparseable JSON becomes a row of NULLs) have no document _id: they are left out.
INSERT INTO enriched_feedback
  SELECT id, text, source, embedding, tags
  FROM ML_PREDICT(TABLE embedded_feedback, MODEL feedback_tagger, DESCRIPTOR(text))
  WHERE id IS NOT NULL;
