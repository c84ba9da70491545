/**
 * Issue 12 on a real server: config/examples/many-tables.yaml (500 application-owned tables in 20 schemas,
 * owned by ledger_app) applied twice, as the database stack would: the capture SQL file with psql, the
 * provider's statements, the password step. Prints each pass's time.
 */
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { quoteIdent } from "../../src/sql/quote";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, whileLocked, withClient } from "../support/postgres";
import {
  applyDatabaseStack,
  applyOwnerMembership,
  captureSqlStep,
  emulateRds,
  reapplyDatabaseStack,
  runCaptureSql,
  type StepRun,
} from "../support/rds-emulation";
import { managedCapture, managedDatabase, synthesize } from "../support/synth";
import { catalogState, effectivePrivileges } from "./catalog-state";

const EXAMPLE = "config/examples/many-tables.yaml";
const config = loadConfigFile(EXAMPLE);
const capture = managedCapture(config);
const { databaseName, masterUsername } = managedDatabase(config);
const STACK = `${config.environment}-database`;
const HEARTBEAT = "cdc.debezium_heartbeat";
/** The pipeline's canary (npm run verify), captured like a table, beside the heartbeat. */
const CANARY = "cdc.cdc_lake_canary";

/** What the example says it captures, written out independently of its YAML: region_01..20 × account_001..025. */
const TABLES = Array.from({ length: 20 }, (_, s) =>
  Array.from(
    { length: 25 },
    (_, t) => `region_${String(s + 1).padStart(2, "0")}.account_${String(t + 1).padStart(3, "0")}`,
  ),
).flat();
/** The application's table that is not captured, in a captured schema: no grant may reach it. */
const NOT_CAPTURED = "region_01.account_archive";

interface Pass {
  readonly seconds: number;
  readonly capture: StepRun;
  readonly drift?: string[];
  readonly password?: StepRun;
}

describeWithPostgres("PostgreSQL: 500 application-owned tables in one source", (bin) => {
  const synthesized = synthesize(config);
  const stack = synthesized.stacks[STACK];
  if (!stack) throw new Error(`no stack ${STACK} in ${Object.keys(synthesized.stacks).join(", ")}`);
  const step = captureSqlStep(stack, synthesized.stackDir(STACK));
  let server: ThrowawayPostgres;
  let master: ConnectionParams;
  let cdc: ConnectionParams;
  const passes: Pass[] = [];
  let stateBefore: unknown;
  let stateAfter: unknown;

  const asSuperuser = <T>(fn: Parameters<typeof withClient<T>>[2]) =>
    withClient(server, server.superuserParams(databaseName), fn);
  const state = () =>
    asSuperuser(async (c) => ({
      catalog: await catalogState(c, [capture.cdcRoleName, masterUsername, capture.tableOwner]),
      heartbeat: (await c.query(`SELECT id, beat_at FROM ${HEARTBEAT}`)).rows,
    }));

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    master = await emulateRds(server, masterUsername, databaseName);
    // The application: its role owns the schemas and the tables (each with a primary key), and one more.
    const schemas = [...new Set(TABLES.map((t) => t.split(".")[0]))];
    const owner = quoteIdent(capture.tableOwner);
    await asSuperuser((c) =>
      c.query(
        [
          `CREATE ROLE ${owner} NOLOGIN`,
          ...schemas.map((s) => `CREATE SCHEMA ${s} AUTHORIZATION ${owner}`),
          `SET ROLE ${owner}`,
          ...[...TABLES, NOT_CAPTURED].map(
            (t) => `CREATE TABLE ${t} (id bigint PRIMARY KEY, balance numeric(14,2) NOT NULL DEFAULT 0)`,
          ),
          "RESET ROLE",
        ].join(";\n"),
      ),
    );

    const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
      const start = performance.now();
      const result = await fn();
      return [result, (performance.now() - start) / 1000];
    };
    const fail = (what: string, run: StepRun) => {
      throw new Error(`${what} exited ${run.code}:\n${run.output}`);
    };
    // Pass 1, in Terraform's order: the master's membership in ledger_app, the SQL, the provider, the password.
    const [first, firstSeconds] = await timed(async () => {
      await withClient(server, master, (c) => applyOwnerMembership(c, stack));
      const run = runCaptureSql(step, master);
      if (run.code !== 0) fail("pass 1: the capture SQL", run);
      cdc = await applyDatabaseStack(server, master, stack, capture.cdcRoleName);
      return { capture: run };
    });
    passes.push({ ...first, seconds: firstSeconds });
    stateBefore = await state();
    // Pass 2: every step re-run; the provider reads its resources and re-runs what an update would.
    const [second, secondSeconds] = await timed(async () => {
      // While the application reads every table: an ALTER TABLE would wait, and fail after its retries.
      const run = await whileLocked(
        server,
        server.superuserParams(databaseName),
        TABLES,
        "ACCESS SHARE",
        () => runCaptureSql(step, master),
      );
      if (run.code !== 0) fail("pass 2: the capture SQL", run);
      return { capture: run, ...(await reapplyDatabaseStack(server, master, stack, cdc)) };
    });
    passes.push({ ...second, seconds: secondSeconds });
    stateAfter = await state();
    console.log(
      `many-tables on PostgreSQL: ${TABLES.length} tables, pass 1 ${firstSeconds.toFixed(2)} s, pass 2 ${secondSeconds.toFixed(2)} s`,
    );
  });
  afterAll(() => {
    server?.stop();
    synthesized.cleanup();
  });

  it("captures the example's 500 tables, owned by ledger_app", () => {
    expect(capture.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(TABLES);
    expect(capture.tableOwner).toBe("ledger_app");
  });

  it("re-applies without error or notice, while the application reads every table, and a second plan would change nothing", () => {
    const second = passes[1];
    expect([second?.capture.code, second?.capture.output]).toEqual([0, ""]);
    expect([second?.password?.code, second?.password?.output]).toEqual([0, ""]);
    expect(second?.drift).toEqual([]);
  });

  it("changes nothing on the second pass", () => {
    expect(stateAfter).toEqual(stateBefore);
    const relations = (stateBefore as { catalog: { relations: { name: string }[] } }).catalog.relations;
    expect(relations.filter((r) => TABLES.includes(r.name))).toHaveLength(500);
  });

  it("publishes exactly the 500 tables, the heartbeat and the canary", async () => {
    const published = await asSuperuser(
      async (c) =>
        (
          await c.query<{ name: string }>(
            "SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
            [capture.publicationName],
          )
        ).rows,
    );
    expect(published.map((r) => r.name)).toEqual([CANARY, HEARTBEAT, ...TABLES]);
  });

  it("sets REPLICA IDENTITY FULL on every captured table, and on no other", async () => {
    const identities = await asSuperuser(
      async (c) =>
        (
          await c.query<{ relreplident: string; tables: string[] }>(
            `SELECT c.relreplident, array_agg(n.nspname || '.' || c.relname ORDER BY n.nspname, c.relname) AS tables
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname LIKE 'region\\_%' AND c.relkind = 'r' GROUP BY 1 ORDER BY 1`,
          )
        ).rows,
    );
    expect(identities).toEqual([
      { relreplident: "d", tables: [NOT_CAPTURED] },
      { relreplident: "f", tables: TABLES },
    ]);
  });

  it("lets the CDC role SELECT all 500 tables and the canary, and nothing else", async () => {
    const privileges = await asSuperuser((c) => effectivePrivileges(c, capture.cdcRoleName));
    const schemas = [...new Set(TABLES.map((t) => t.split(".")[0]))];
    expect(privileges).toEqual({
      relations: [
        `${CANARY} SELECT`,
        `${HEARTBEAT} SELECT`,
        `${HEARTBEAT} UPDATE`,
        ...TABLES.map((t) => `${t} SELECT`),
      ],
      // public: PUBLIC's USAGE, PostgreSQL's default.
      schemas: ["cdc: USAGE", "public: USAGE", ...schemas.map((s) => `${s}: USAGE`)],
    });
    // And as the role itself.
    const read = await withClient(server, cdc, async (c) => {
      let tables = 0;
      for (const t of TABLES) {
        await c.query(`SELECT id, balance FROM ${t} LIMIT 1`);
        tables++;
      }
      const refused = await c.query(`SELECT * FROM ${NOT_CAPTURED}`).then(
        () => "read",
        (e: Error) => e.message,
      );
      return { tables, refused };
    });
    expect(read).toEqual({ tables: 500, refused: "permission denied for table account_archive" });
  });

  it("takes well under a minute per pass on a small machine", () => {
    for (const pass of passes) expect(pass.seconds).toBeLessThan(30);
  });
});
