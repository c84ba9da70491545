/**
 * The SQL the database stack applies for what the PostgreSQL provider has no resource for: the captured
 * tables and their REPLICA IDENTITY. Rendered from the .sql templates beside this file, so the SQL is
 * read (and reviewed) as SQL, and tests apply exactly the text the stack carries.
 *
 * The templates are imports, not files read at synth time: building the app reads no file, and the
 * bundled entry (scripts/synth.cjs) carries them inline (esbuild's text loader; vitest.config.ts has the
 * same for tests; sql.d.ts types them).
 */
import { createHash } from "node:crypto";
import createTable from "./create-table.sql";
import heartbeatTable from "./heartbeat-table.sql";
import prepareCapturedTables from "./prepare-captured-tables.sql";
import requireTable from "./require-table.sql";
import setReplicaIdentity from "./set-replica-identity.sql";

export interface CapturedTable {
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: "full" | "default";
  /** Column definitions when the pipeline owns (creates) the table. */
  readonly columns?: string | undefined;
}

const templates = {
  "create-table": createTable,
  "heartbeat-table": heartbeatTable,
  "prepare-captured-tables": prepareCapturedTables,
  "require-table": requireTable,
  "set-replica-identity": setReplicaIdentity,
} as const;

/** Replaces `{{key}}`; a placeholder without a value is a bug in this file, so it throws. */
function render(name: keyof typeof templates, values: Record<string, string>): string {
  return templates[name].replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${name}.sql: no value for {{${key}}}`);
    return value;
  });
}

/** `"schema"."table"`: identifiers are validated lowercase names, quoted anyway. */
export function qualifiedName(t: { schema: string; table: string }): string {
  return `"${t.schema}"."${t.table}"`;
}

/** Debezium's heartbeat table, in its own schema (capture.heartbeatSchema). */
export const HEARTBEAT_TABLE = "debezium_heartbeat";

export function renderCaptureSql(tables: readonly CapturedTable[], heartbeatSchema: string): string {
  const rendered = tables.map((t) => {
    const values = {
      schema: `"${t.schema}"`,
      schemaLiteral: `'${t.schema}'`,
      tableLiteral: `'${t.table}'`,
      qualified: qualifiedName(t),
      columns: t.columns ?? "",
      identity: t.replicaIdentity === "full" ? "FULL" : "DEFAULT",
      identityCode: t.replicaIdentity === "full" ? "f" : "d",
      why:
        t.replicaIdentity === "full"
          ? "UPDATE and DELETE events carry the whole old row"
          : "UPDATE and DELETE events carry only the primary key of the old row",
    };
    return {
      prepare: render(t.columns ? "create-table" : "require-table", values),
      identity: render("set-replica-identity", values),
      owned: t.columns !== undefined,
    };
  });
  // Application tables are checked first, so a missing table or owner fails before anything is created.
  const heartbeat = render("heartbeat-table", {
    schema: `"${heartbeatSchema}"`,
    qualified: qualifiedName({ schema: heartbeatSchema, table: HEARTBEAT_TABLE }),
  });
  const statements = [
    ...rendered.filter((r) => !r.owned).map((r) => r.prepare),
    ...rendered.filter((r) => r.owned).map((r) => r.prepare),
    heartbeat,
    ...rendered.map((r) => r.identity),
  ];
  return render("prepare-captured-tables", { statements: statements.join("\n").trimEnd() });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
