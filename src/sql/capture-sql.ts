/**
 * The SQL the database stack applies for what the PostgreSQL provider has no resource for: the captured
 * tables and their REPLICA IDENTITY. Rendered from the .sql templates beside this file, so the SQL is
 * read (and reviewed) as SQL, and tests apply exactly the text the stack carries.
 *
 * The script is one psql input: a few fixed lines, then one DO block. Everything that comes from the
 * config (schema, table and column names, types, defaults) is inside that block, as a quoted identifier
 * or literal (quote.ts), and the block's dollar-quote tag is one its content does not hold. psql obeys
 * backslash meta-commands anywhere outside quotes; inside the block it sees none, whatever a value holds.
 *
 * The templates are imports, not files read at synth time: building the app reads no file, and the
 * bundled entry (scripts/synth.cjs) carries them inline (esbuild's text loader; vitest.config.ts has the
 * same for tests; sql.d.ts types them).
 */
import { createHash } from "node:crypto";
import canaryTable from "./canary-table.sql";
import captureBlock from "./capture-block.sql";
import { type Column, renderColumns } from "./columns";
import createTable from "./create-table.sql";
import heartbeatTable from "./heartbeat-table.sql";
import prepareCapturedTables from "./prepare-captured-tables.sql";
import { dollarQuoteTag, qualifiedName, quoteIdent, quoteLiteral } from "./quote";
import requireTables from "./require-tables.sql";
import setReplicaIdentity from "./set-replica-identity.sql";

export { qualifiedName } from "./quote";

export interface CapturedTable {
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: "full" | "default";
  /** The columns when the pipeline owns (creates) the table. */
  readonly columns?: readonly Column[] | undefined;
}

/**
 * How long ALTER TABLE waits for a table's lock per attempt, how many attempts, and the first pause
 * between them (doubled after each). Under load, the application's queries on that table queue behind
 * the waiting ALTER TABLE: they stall for at most `lockTimeout` at a time, and run during the pauses.
 */
export interface LockRetry {
  /** A PostgreSQL interval such as "2s". */
  readonly lockTimeout: string;
  readonly attempts: number;
  readonly firstPauseSeconds: number;
}

export const LOCK_RETRY: LockRetry = { lockTimeout: "2s", attempts: 4, firstPauseSeconds: 1 };

const templates = {
  "capture-block": captureBlock,
  "create-table": createTable,
  "heartbeat-table": heartbeatTable,
  "canary-table": canaryTable,
  "prepare-captured-tables": prepareCapturedTables,
  "require-tables": requireTables,
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

/** Debezium's heartbeat table, in its own schema (capture.heartbeatSchema). */
export const HEARTBEAT_TABLE = "debezium_heartbeat";

/**
 * The pipeline's canary table, in the heartbeat's schema: captured like an application table (publication,
 * table.include.list, the sink's topics), written only by `npm run verify`, whose row must reach the lake.
 */
export const CANARY_TABLE = "cdc_lake_canary";

/** The tables the pipeline adds to a source's capture: the canary, beside the configured tables. */
export function canaryTableOf(heartbeatSchema: string): { schema: string; table: string } {
  return { schema: heartbeatSchema, table: CANARY_TABLE };
}

/** One row of a VALUES list: literals only. */
const row = (...values: string[]) => `    (${values.map(quoteLiteral).join(", ")})`;

function checkLockRetry(r: LockRetry): void {
  if (!/^[1-9][0-9]*(ms|s)$/.test(r.lockTimeout))
    throw new Error(`lock timeout ${r.lockTimeout}: expected e.g. 2s`);
  if (!Number.isInteger(r.attempts) || r.attempts < 1)
    throw new Error(`attempts ${r.attempts}: expected >= 1`);
  if (!(r.firstPauseSeconds >= 0 && r.firstPauseSeconds <= 60)) throw new Error("first pause: 0 to 60 s");
}

export function renderCaptureSql(
  tables: readonly CapturedTable[],
  heartbeatSchema: string,
  lockRetry: LockRetry = LOCK_RETRY,
): string {
  checkLockRetry(lockRetry);
  const names = (t: { schema: string; table: string }) => ({
    schema: quoteIdent(t.schema),
    schemaLiteral: quoteLiteral(t.schema),
    schemaQuoted: quoteLiteral(quoteIdent(t.schema)),
    tableLiteral: quoteLiteral(t.table),
    qualified: qualifiedName(t),
    qualifiedQuoted: quoteLiteral(qualifiedName(t)),
  });
  // Application tables are checked first, so a missing table or owner fails before anything is created.
  const required = tables.filter((t) => t.columns === undefined);
  const statements = [
    required.length > 0
      ? render("require-tables", {
          rows: required.map((t) => row(t.schema, t.table, qualifiedName(t))).join(",\n"),
        })
      : "",
    ...tables.flatMap((t, index) =>
      t.columns === undefined
        ? []
        : [render("create-table", { ...names(t), index: String(index), columns: renderColumns(t.columns) })],
    ),
    render("heartbeat-table", names({ schema: heartbeatSchema, table: HEARTBEAT_TABLE })),
    render("canary-table", names(canaryTableOf(heartbeatSchema))),
    "  -- Created and checked: commit, so that no lock is held while the identities below wait for theirs.\n  COMMIT;\n",
    render("set-replica-identity", {
      firstPauseSeconds: String(lockRetry.firstPauseSeconds),
      rows: tables
        .map((t) => row(t.schema, t.table, qualifiedName(t), t.replicaIdentity === "full" ? "f" : "d"))
        .join(",\n"),
    }),
  ].filter(Boolean);
  const block = render("capture-block", {
    attempts: String(lockRetry.attempts),
    statements: statements.join("").trimEnd(),
  }).trimEnd();
  return render("prepare-captured-tables", {
    lockTimeout: lockRetry.lockTimeout,
    // What the template puts between the opening and the closing tag: "\n" + block + "\n".
    tag: dollarQuoteTag(`\n${block}\n`),
    block,
  });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
