/**
 * `npm run verify`, end to end: a fresh token written to the pipeline's canary table (row id 1, in the
 * heartbeat's schema, created by the database stack and captured like an application table), which must
 * come out of the lake. The canary carries nothing but verify's tokens, so verify never touches an
 * application row.
 */
import { randomUUID } from "node:crypto";
import { changeTopic } from "../kafka-connect/topics";
import { canaryTableOf } from "../sql/capture-sql";
import { qualifiedName } from "../sql/quote";
import { connectAs } from "./source-checks";
import type { SourceTarget } from "./source-target";

/** What writeCanary wrote, and the topic its change goes to (`<topicPrefix>.<heartbeatSchema>.cdc_lake_canary`). */
export interface CanaryWrite {
  readonly token: string;
  readonly writtenAt: Date;
  readonly topic: string;
}

/**
 * Upserts row id 1 of the source's canary table with a new random token and `written_at = now()`, as the
 * admin login (the table's owner: the database stack's SQL creates it). One parameterized statement; the
 * table's name is quoted. Throws on failure: the caller reports it.
 */
export async function writeCanary(
  target: SourceTarget,
  now: () => Date = () => new Date(),
): Promise<CanaryWrite> {
  const { heartbeatSchema, topicPrefix } = target.config.capture;
  const table = canaryTableOf(heartbeatSchema);
  const token = randomUUID();
  const writtenAt = now();
  const client = await connectAs(target.admin, target.ssl);
  try {
    await client.query(
      `INSERT INTO ${qualifiedName(table)} (id, token, written_at) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, written_at = EXCLUDED.written_at`,
      [token, writtenAt],
    );
  } finally {
    await client.end().catch(() => {});
  }
  return { token, writtenAt, topic: changeTopic(topicPrefix, table) };
}

/**
 * Whether `text`, JSON lines as the S3 sink writes a topic's records, holds a change whose row after the
 * change has `token`: Debezium's envelope `{"after": {...}}`, or `{"schema": ..., "payload": {"after": ...}}`
 * when the converters write schemas (connectors.jsonSchemas). Lines that are not JSON are skipped.
 */
export function canaryTokenIn(text: string, token: string): boolean {
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (afterToken(record) === token) return true;
    if (isObject(record) && afterToken(record.payload) === token) return true;
  }
  return false;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function afterToken(record: unknown): unknown {
  return isObject(record) && isObject(record.after) ? record.after.token : undefined;
}
