/**
 * One source of truth for Kafka topic names: Debezium writes `<topic.prefix>.<schema>.<table>`, and the
 * S3 sink reads exactly the topics this function names for the same config.
 * @see https://debezium.io/documentation/reference/2.3/connectors/postgresql.html#postgresql-topic-names
 */
export function changeTopic(topicPrefix: string, table: { schema: string; table: string }): string {
  return `${topicPrefix}.${table.schema}.${table.table}`;
}

/** Debezium's heartbeat topic: `<topic.heartbeat.prefix>.<topic.prefix>` (prefix __debezium-heartbeat). */
export function heartbeatTopic(topicPrefix: string): string {
  return `__debezium-heartbeat.${topicPrefix}`;
}
