import { existsSync, rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { renderCaptureSql } from "../../src/sql/capture-sql";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import { type CaptureSqlStep, captureSqlStep, emulateRds, runCaptureSql } from "../support/rds-emulation";
import { demoWith, synthesize } from "../support/synth";
import { ACCEPTED_AS_TEXT, HOSTILE } from "./hostile-fixtures";

/** Where HOSTILE's `\!` would create a file, were psql to run it. */
const PWNED = "/tmp/cdc-lake-pwned";
const APP = "cdc-lake database stack";

/** The demo's stack with one more pipeline-owned table, `public.<table>`, of text columns with these defaults. */
function stepWithDefaults(table: string, defaults: string[]): CaptureSqlStep {
  const synthesized = synthesize(
    demoWith((d) =>
      d.capture.tables.push({
        table,
        columns: [
          { name: "id", type: "serial", primaryKey: true },
          ...defaults.map((value, i) => ({ name: `d${i}`, type: "text", default: value })),
        ],
      }),
    ),
  );
  try {
    return captureSqlStep(synthesized.stacks["demo-database"] ?? {});
  } finally {
    synthesized.cleanup();
  }
}

/** The same step carrying other SQL (what a value past every check would make of it). */
const withSql = (step: CaptureSqlStep, sql: string): CaptureSqlStep => ({ ...step, sql });

describeWithPostgres("PostgreSQL: hostile config values run nothing but the intended statements", (bin) => {
  let server: ThrowawayPostgres;
  let master: ConnectionParams;
  let logStart = 0;

  beforeAll(async () => {
    // Every statement a client sends is logged, with the client's application name first.
    server = await ThrowawayPostgres.start(bin, ["log_statement = 'all'", "log_line_prefix = '%a|'"]);
    master = await emulateRds(server, "msk_user", "msk_db");
    await withClient(server, master, (c) =>
      c.query("CREATE TABLE public.canary (id int PRIMARY KEY); INSERT INTO public.canary VALUES (42)"),
    );
  });
  afterAll(() => {
    rmSync(PWNED, { force: true });
    server?.stop();
  });
  beforeEach(() => {
    rmSync(PWNED, { force: true });
    logStart = server.serverLog().length;
  });

  /** Relations outside the system schemas, and the roles. */
  const catalog = () =>
    withClient(server, server.superuserParams("msk_db"), async (c) => ({
      relations: (
        await c.query(`SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text AS r
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`)
      ).rows.map((r) => r.r as string),
      roles: (await c.query("SELECT rolname FROM pg_roles ORDER BY 1")).rows.map((r) => r.rolname as string),
      canary: (await c.query("SELECT id FROM public.canary")).rows,
    }));

  /** The statements the step's psql session sent, as the server logged them (log_statement = all). */
  const statementsSent = () =>
    server
      .serverLog()
      .slice(logStart)
      .split("\n")
      .filter((line) => line.startsWith(`${APP}|`) && line.includes("LOG:  statement: "))
      .map((line) => line.split("LOG:  statement: ")[1]?.split(/\s/, 2).join(" "));

  /** The defaults as the server stored them, evaluated by inserting a row of defaults. */
  const storedDefaults = (table: string, count: number) =>
    withClient(server, master, async (c) => {
      const row = (await c.query(`INSERT INTO public.${table} DEFAULT VALUES RETURNING *`)).rows[0];
      return Array.from({ length: count }, (_, i) => row[`d${i}`]);
    });

  it("accepts the hostile defaults the config allows, and stores each exactly, running nothing else", async () => {
    const values = ACCEPTED_AS_TEXT.map((name) => HOSTILE[name] as string);
    const step = stepWithDefaults("hostile", values);
    const before = await catalog();
    const run = runCaptureSql(step, master);
    expect(run.code, run.output).toBe(0);
    const after = await catalog();
    expect(after.canary).toEqual([{ id: 42 }]);
    expect(after.roles).toEqual(before.roles);
    // The pipeline's canary table (npm run verify's), beside the heartbeat; public.canary is this test's tripwire.
    expect(after.relations.filter((r) => !before.relations.includes(r))).toEqual([
      "cdc.cdc_lake_canary r",
      "cdc.cdc_lake_canary_pkey i",
      "cdc.debezium_heartbeat r",
      "cdc.debezium_heartbeat_pkey i",
      "public.hostile r",
      "public.hostile_id_seq S",
      "public.hostile_pkey i",
      "public.student r",
      "public.student_id_seq S",
      "public.student_pkey i",
    ]);
    expect(before.relations.filter((r) => !after.relations.includes(r))).toEqual([]);
    expect(await storedDefaults("hostile", values.length)).toEqual(values);
    // The values hold $cdc$, $cdc_1$ and $cdc_2$: the block's tag is the next one.
    expect(statementsSent()).toEqual(["SET standard_conforming_strings", "SET lock_timeout", "DO $cdc_3$"]);
    expect(existsSync(PWNED)).toBe(false);
  });

  it("keeps psql from acting on a newline, \\g or \\! even inside a value that got past every check", async () => {
    const step = stepWithDefaults("bypass", ["MARKER"]);
    // What neither the config nor the SQL layer would let through, put straight into the script.
    const smuggled = "x');\n\\g\n\\! touch /tmp/cdc-lake-pwned\nDROP TABLE public.canary; --\n\\gexec";
    const sql = step.sql.replace("'MARKER'", `'${smuggled.replaceAll("'", "''")}'`);
    expect(sql).not.toBe(step.sql);
    const before = await catalog();
    const run = runCaptureSql(withSql(step, sql), master);
    expect(run.code, run.output).toBe(0);
    const after = await catalog();
    expect(after.canary).toEqual([{ id: 42 }]);
    expect(after.relations.filter((r) => !before.relations.includes(r))).toEqual([
      "public.bypass r",
      "public.bypass_id_seq S",
      "public.bypass_pkey i",
    ]);
    expect(await storedDefaults("bypass", 1)).toEqual([smuggled]);
    expect(statementsSent()).toEqual(["SET standard_conforming_strings", "SET lock_timeout", "DO $cdc$"]);
    expect(existsSync(PWNED)).toBe(false);
  });

  it("would run them, were the value outside the DO block (so the check above can fail)", async () => {
    const step = stepWithDefaults("outside", []);
    const sql = step.sql.replace(
      "\\set ON_ERROR_STOP on",
      "\\set ON_ERROR_STOP on\n\\! touch /tmp/cdc-lake-pwned",
    );
    const run = runCaptureSql(withSql(step, sql), master);
    expect(run.code, run.output).toBe(0);
    expect(existsSync(PWNED)).toBe(true);
  });

  it("quotes names the config refuses but SQL can hold, should one get past it", async () => {
    const step = stepWithDefaults("unused", []);
    const sql = renderCaptureSql(
      [
        {
          schema: 'we"ird; DROP TABLE public.canary; --',
          table: "it's $cdc$ Select /*",
          replicaIdentity: "full",
          columns: [
            {
              name: "Order",
              type: { base: "integer", arrayDimensions: 0 },
              nullable: false,
              primaryKey: true,
            },
            {
              name: ":'ON_ERROR_STOP'",
              type: { base: "text", arrayDimensions: 0 },
              nullable: true,
              primaryKey: false,
              default: { kind: "string", value: "$cdc_1$ -- %s" },
            },
          ],
        },
      ],
      'heart"beat',
    );
    const before = await catalog();
    const run = runCaptureSql(withSql(step, sql), master);
    expect(run.code, run.output).toBe(0);
    const after = await catalog();
    expect(after.canary).toEqual([{ id: 42 }]);
    expect(after.relations.filter((r) => !before.relations.includes(r))).toEqual([
      'heart"beat.cdc_lake_canary r',
      'heart"beat.cdc_lake_canary_pkey i',
      'heart"beat.debezium_heartbeat r',
      'heart"beat.debezium_heartbeat_pkey i',
      `we"ird; DROP TABLE public.canary; --.it's $cdc$ Select /* r`,
      `we"ird; DROP TABLE public.canary; --.it's $cdc$ Select /*_pkey i`,
    ]);
    const table = await withClient(server, master, (c) =>
      c.query(
        `SELECT attname, pg_get_expr(adbin, adrelid) AS def, c.relreplident
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum`,
        [`"we""ird; DROP TABLE public.canary; --"."it's $cdc$ Select /*"`],
      ),
    );
    expect(table.rows).toEqual([
      { attname: "Order", def: null, relreplident: "f" },
      { attname: ":'ON_ERROR_STOP'", def: "'$cdc_1$ -- %s'::text", relreplident: "f" },
    ]);
    expect(statementsSent()).toEqual(["SET standard_conforming_strings", "SET lock_timeout", "DO $cdc_2$"]);
  });
});
