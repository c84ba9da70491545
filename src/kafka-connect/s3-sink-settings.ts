/**
 * The Confluent S3 sink's connector configuration (10.6) and worker properties.
 * @see https://docs.confluent.io/kafka-connectors/s3-sink/current/configuration_options.html
 */
import { reconnectBackoffProperties } from "./client-backoff";

export interface S3SinkSettings {
  readonly topics: readonly string[];
  readonly bucketName: string;
  readonly region: string;
  readonly flushSize: number;
  readonly rotateScheduleIntervalMs: number;
}

/** Objects land under `<TOPICS_DIR>/<topic>/year=…/month=…/day=…/hour=…/`. */
export const TOPICS_DIR = "cdc";

export function s3SinkConnectorConfiguration(s: S3SinkSettings): Record<string, string> {
  return {
    "connector.class": "io.confluent.connect.s3.S3SinkConnector",
    "tasks.max": "1",
    topics: s.topics.join(","),
    "s3.region": s.region,
    "s3.bucket.name": s.bucketName,
    "topics.dir": TOPICS_DIR,
    "storage.class": "io.confluent.connect.s3.storage.S3Storage",
    "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
    // Hive-style hourly partitions by record time: Athena/Glue read year/month/day/hour as columns.
    "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
    "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
    "partition.duration.ms": "3600000",
    locale: "en-US",
    timezone: "UTC",
    "timestamp.extractor": "Record",
    // An object is committed after flush.size records, or rotate.schedule.interval.ms of wall-clock time,
    // whichever comes first: the second bounds the delay from a change to an S3 object.
    "flush.size": String(s.flushSize),
    "rotate.schedule.interval.ms": String(s.rotateScheduleIntervalMs),
    // Debezium's tombstones (after each DELETE) have null values; JSON cannot write them.
    "behavior.on.null.values": "ignore",
    // Schemaless JSON: a new column is just a new field; no compatibility check to fail.
    "schema.compatibility": "NONE",
    // No s3.ssea.name: an explicit encryption header would override the bucket's default (SSE-KMS with
    // the pipeline's key), so the bucket decides.
  };
}

/** How often the sink's worker commits offsets, which is also when it next calls the sink's put(). */
export const SINK_OFFSET_FLUSH_INTERVAL_MS = 10_000;

export function s3SinkWorkerProperties(jsonSchemas: boolean) {
  return {
    // The sink checks rotate.schedule.interval.ms only in put(); the worker may wait up to this long
    // between two calls when no records arrive. 10 s (not the default 60 s) keeps the delay bound tight.
    "offset.flush.interval.ms": String(SINK_OFFSET_FLUSH_INTERVAL_MS),
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": String(jsonSchemas),
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": String(jsonSchemas),
    ...reconnectBackoffProperties(),
  };
}
