/**
 * The Debezium PostgreSQL source's connector configuration (2.3) and worker properties.
 * @see https://debezium.io/documentation/reference/2.3/connectors/postgresql.html#postgresql-connector-properties
 */
import { reconnectBackoffProperties } from "./client-backoff";
import { changeTopic } from "./topics";

export interface DebeziumSettings {
  readonly databaseHost: string;
  readonly databasePort: string;
  readonly databaseName: string;
  /** Name of the Secrets Manager secret holding `username` and `password` of the CDC role. */
  readonly credentialsSecretName: string;
  readonly publicationName: string;
  readonly slotName: string;
  readonly topicPrefix: string;
  readonly tables: readonly { schema: string; table: string }[];
  readonly snapshotMode: string;
  readonly heartbeatIntervalMs: number;
  /**
   * Table (`schema.table`) the heartbeat writes to. It is in the publication, so the write reaches the
   * slot and the connector confirms a new position even when the captured tables are quiet.
   */
  readonly heartbeatTable: string;
  /** Topics Debezium creates: replication as the cluster's default, enough to survive a broker loss. */
  readonly replicationFactor: number;
}

/** The Secrets Manager config provider's name in worker properties. */
export const SECRETS_PROVIDER = "secretsmanager";

/**
 * `${secretsmanager:<secret name>:<key>}`, resolved by the worker at run time, so the password is in no
 * configuration. By name, not ARN: ':' separates the provider's fields, and the config providers 0.1.0
 * do not URL-decode an encoded ARN. In Terraform JSON a literal `${` is written `$${`.
 * @see https://github.com/aws-samples/msk-config-providers
 */
export function secretReference(secretName: string, key: string, terraform: TerraformFunctions): string {
  // join(), not string concatenation: cdktf mangles a reference written inside an escaped "$${".
  return terraform.join("", [`\${${SECRETS_PROVIDER}:`, secretName, `:${key}}`]);
}

/** The Terraform functions the configuration needs (cdktf's Fn), passed in to keep this module pure. */
export interface TerraformFunctions {
  join(separator: string, list: string[]): string;
}

export function debeziumConnectorConfiguration(
  s: DebeziumSettings,
  terraform: TerraformFunctions,
): Record<string, string> {
  return {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    // One task: a PostgreSQL replication slot has exactly one reader.
    "tasks.max": "1",
    "database.hostname": s.databaseHost,
    "database.port": s.databasePort,
    "database.dbname": s.databaseName,
    "database.user": secretReference(s.credentialsSecretName, "username", terraform),
    "database.password": secretReference(s.credentialsSecretName, "password", terraform),
    // RDS has rds.force_ssl=1: connect encrypted.
    "database.sslmode": "require",
    "topic.prefix": s.topicPrefix,
    "plugin.name": "pgoutput",
    // The database stack owns the publication (limited to the captured tables); Debezium creates the slot
    // on first start, and the connectors stack drops it when the connector goes (ReplicationSlotLifecycle).
    "publication.name": s.publicationName,
    "publication.autocreate.mode": "disabled",
    "slot.name": s.slotName,
    "slot.drop.on.stop": "false",
    "table.include.list": s.tables.map((t) => `${t.schema}.${t.table}`).join(","),
    "snapshot.mode": s.snapshotMode,
    // A quiet database with a table-limited publication sends the slot nothing, so it never advances
    // while RDS keeps writing WAL: the heartbeat writes a row through the publication, and the slot moves.
    "heartbeat.interval.ms": String(s.heartbeatIntervalMs),
    "heartbeat.action.query": `UPDATE ${s.heartbeatTable} SET beat_at = now() WHERE id = 1`,
    // Plain JSON has no schema to carry a decimal's scale: strings keep NUMERIC exact and readable.
    "decimal.handling.mode": "string",
    "hstore.handling.mode": "json",
    "interval.handling.mode": "string",
    // A DELETE emits the delete event (op "d", before-image with REPLICA IDENTITY FULL) and then a
    // tombstone (null value) for log compaction; the S3 sink ignores the tombstone
    // (behavior.on.null.values=ignore).
    "tombstones.on.delete": "true",
    // MSK has auto.create.topics.enable=false: Kafka Connect creates each topic, replicated like the rest.
    "topic.creation.default.replication.factor": String(s.replicationFactor),
    "topic.creation.default.partitions": "1",
    "topic.creation.default.cleanup.policy": "delete",
    "topic.creation.default.retention.ms": String(7 * 24 * 3600 * 1000),
    // A connector setting (not a worker one): without it MSK Connect restarts the connector whenever it
    // re-resolves the config provider's values.
    "config.action.reload": "none",
  };
}

export function debeziumWorkerProperties(region: string, jsonSchemas: boolean, offsetTopic: string) {
  return {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": String(jsonSchemas),
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": String(jsonSchemas),
    "config.providers": SECRETS_PROVIDER,
    [`config.providers.${SECRETS_PROVIDER}.class`]:
      "com.amazonaws.kafka.config.providers.SecretsManagerConfigProvider",
    [`config.providers.${SECRETS_PROVIDER}.param.region`]: region,
    // A secret name or key that cannot be resolved fails the connector with "Secret undefined" instead of
    // becoming an empty password and a misleading login error: msk-config-providers 0.1.0 defaults to
    // `ignore`, though its javadoc says `fail` (aws-samples/msk-config-providers r0.1.0, commit ba35ad4,
    // SecretsManagerConfig.java: NOT_FOUND_STRATEGY = "NotFoundStrategy", default NOT_FOUND_IGNORE).
    [`config.providers.${SECRETS_PROVIDER}.param.NotFoundStrategy`]: "fail",
    // A fixed offset topic: a connector replaced under the same name resumes where the old one stopped.
    "offset.storage.topic": offsetTopic,
    ...reconnectBackoffProperties(),
  };
}

/** The topics Debezium writes, for the sink and for IAM. */
export function debeziumTopics(s: Pick<DebeziumSettings, "topicPrefix" | "tables">): string[] {
  return s.tables.map((t) => changeTopic(s.topicPrefix, t));
}
