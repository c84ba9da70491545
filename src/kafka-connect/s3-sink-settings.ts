/**
 * The Confluent S3 sink's connector configuration (10.6) and worker properties.
 * @see https://docs.confluent.io/kafka-connectors/s3-sink/current/configuration_options.html
 */
import { reconnectBackoffProperties } from "./client-backoff";

export interface S3SinkSettings {
  readonly topics: readonly string[];
  /** The time-based layout of the objects. @default SINK_PARTITIONING */
  readonly partitioning?: SinkPartitioning;
  readonly bucketName: string;
  readonly region: string;
  readonly flushSize: number;
  readonly rotateScheduleIntervalMs: number;
}

/** Objects land under `<TOPICS_DIR>/<topic>/year=…/month=…/day=…/hour=…/`. */
export const TOPICS_DIR = "cdc";

/** A calendar field the sink's TimeBasedPartitioner writes as one Hive-style `<field>=<value>` folder. */
export type CalendarField = "year" | "month" | "day" | "hour";

/**
 * The sink's time-based layout, written once: the sink's `path.format` and `partition.duration.ms`, and the
 * Glue tables' partition keys and Athena projection (lakePartitionProjection) all derive from it.
 */
export interface SinkPartitioning {
  /** The folder levels below `<TOPICS_DIR>/<topic>/`, coarsest first; each is `<field>=<value>`. */
  readonly fields: readonly CalendarField[];
  /** `partition.duration.ms`: the length of the finest level, so one folder holds one period. */
  readonly durationMs: number;
}

/** Hourly folders `year=YYYY/month=MM/day=dd/hour=HH` by record time (UTC). */
export const SINK_PARTITIONING: SinkPartitioning = {
  fields: ["year", "month", "day", "hour"],
  durationMs: 3_600_000,
};

/**
 * Each field as the sink writes it (a Joda-Time pattern letter run, zero-padded to its width) and as Athena
 * projects it. The year is a date projection up to NOW, so a query with no filter lists only the years
 * that have begun; months, days and hours are integers with Joda's padding (`digits`). Days 29 to 31 of
 * short months are folders that never exist: Athena reads them as empty partitions.
 * @see https://docs.confluent.io/kafka-connectors/s3-sink/current/configuration_options.html (path.format)
 * @see https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 */
const CALENDAR_FIELDS: Record<
  CalendarField,
  {
    readonly joda: string;
    readonly durationMs?: number;
    readonly projection: (firstYear: number) => Record<string, string>;
  }
> = {
  year: {
    joda: "YYYY",
    projection: (firstYear) => ({
      type: "date",
      format: "yyyy",
      range: `${firstYear},NOW`,
      interval: "1",
      "interval.unit": "YEARS",
    }),
  },
  month: { joda: "MM", projection: () => ({ type: "integer", range: "1,12", digits: "2" }) },
  day: {
    joda: "dd",
    durationMs: 86_400_000,
    projection: () => ({ type: "integer", range: "1,31", digits: "2" }),
  },
  hour: {
    joda: "HH",
    durationMs: 3_600_000,
    projection: () => ({ type: "integer", range: "0,23", digits: "2" }),
  },
};

const CALENDAR_ORDER: readonly CalendarField[] = ["year", "month", "day", "hour"];

/**
 * The layout's problem, or undefined: its fields must be the calendar's coarsest ones in order (year, then
 * month...), and its duration the finest field's length, or a folder would hold several periods (or part of one).
 */
export function sinkPartitioningProblem(p: SinkPartitioning): string | undefined {
  const expectedFields = CALENDAR_ORDER.slice(0, p.fields.length);
  if (p.fields.length === 0 || p.fields.some((f, i) => f !== expectedFields[i])) {
    return `got the path fields ${p.fields.join("/") || "(none)"}; expected the calendar's fields from the year down, e.g. ${CALENDAR_ORDER.join("/")}`;
  }
  const finest = p.fields[p.fields.length - 1] as CalendarField;
  const duration = CALENDAR_FIELDS[finest].durationMs;
  if (duration === undefined || duration !== p.durationMs) {
    return duration === undefined
      ? `got ${finest} as the finest path field; expected day or hour (a ${finest} has no fixed length for partition.duration.ms)`
      : `got partition.duration.ms ${p.durationMs} with ${finest} folders; expected ${duration}, one ${finest}`;
  }
  return undefined;
}

function checked(p: SinkPartitioning): SinkPartitioning {
  const problem = sinkPartitioningProblem(p);
  if (problem) throw new Error(`S3 sink partitioning: ${problem}`);
  return p;
}

/** The sink's `path.format`, e.g. `'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH` (literals quoted, Joda style). */
export function sinkPathFormat(p: SinkPartitioning = SINK_PARTITIONING): string {
  return checked(p)
    .fields.map((f) => `'${f}'=${CALENDAR_FIELDS[f].joda}`)
    .join("/");
}

/** How Athena finds a topic's objects: its Glue table's partition keys and projection properties. */
export interface LakePartitionProjection {
  /** The partition keys, coarsest first: the path's fields, each a string column. */
  readonly partitionKeys: readonly CalendarField[];
  /** Where the table's objects are, relative to the bucket: `<TOPICS_DIR>/<topic>/`. */
  readonly locationPath: string;
  /** Table properties `projection.enabled` and `projection.<key>.*`. */
  readonly parameters: Readonly<Record<string, string>>;
  /**
   * `storage.location.template` after `s3://<bucket>/`: `<TOPICS_DIR>/<topic>/year=${year}/…/`, with Athena's
   * `${key}` placeholders (which Terraform would read as its own: escape before writing it to the JSON).
   */
  readonly templatePath: string;
  /** The part of templatePath after locationPath: `year=${year}/month=${month}/…/`. */
  readonly partitionTemplate: string;
}

/**
 * Partition projection for `topic`'s objects, from the same layout as the sink's `path.format`: Athena
 * computes each partition's folder instead of reading partitions from Glue (no crawler, no MSCK REPAIR).
 * @param firstYear the first year whose folders queries read: the projection's lower bound
 * @see https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html
 */
export function lakePartitionProjection(
  topic: string,
  firstYear: number,
  p: SinkPartitioning = SINK_PARTITIONING,
): LakePartitionProjection {
  const { fields } = checked(p);
  const locationPath = `${TOPICS_DIR}/${topic}/`;
  const partitionTemplate = `${fields.map((f) => `${f}=\${${f}}`).join("/")}/`;
  const projection = Object.fromEntries(
    fields.flatMap((f) =>
      Object.entries(CALENDAR_FIELDS[f].projection(firstYear)).map(([k, v]) => [`projection.${f}.${k}`, v]),
    ),
  );
  return {
    partitionKeys: fields,
    locationPath,
    templatePath: `${locationPath}${partitionTemplate}`,
    partitionTemplate,
    parameters: { "projection.enabled": "true", ...projection },
  };
}

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
    "path.format": sinkPathFormat(s.partitioning),
    "partition.duration.ms": String((s.partitioning ?? SINK_PARTITIONING).durationMs),
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

/**
 * Whether the objects' lines carry the Kafka Connect schema (`{"schema": …, "payload": …}`): never. With
 * schemas.enable (connectors.jsonSchemas) the worker's converter reads the schema into a Struct, and the sink's
 * JsonFormat writes the Struct with its own JsonConverter, configured schemas.enable=false: the bare envelope.
 * Without it, the value is a map, written as is: the same envelope.
 * @see https://github.com/confluentinc/kafka-connect-storage-cloud/blob/master/kafka-connect-s3/src/main/java/io/confluent/connect/s3/format/json/JsonFormat.java
 * @see https://github.com/confluentinc/kafka-connect-storage-cloud/blob/master/kafka-connect-s3/src/main/java/io/confluent/connect/s3/format/json/JsonRecordWriterProvider.java
 */
export const SINK_JSON_LINES_CARRY_SCHEMA = false;

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
