/**
 * The canary's path on real PostgreSQL 15 (src/verify/canary.ts): the demo's database stack applied as the
 * stack applies it, then writeCanary's row decoded from a pgoutput slot of the config's publication, as
 * Debezium receives it; no application row is touched. And canaryTokenIn on the S3 sink's JSON lines.
 */
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import type { SourceConfig } from "../../src/config/pipeline-config";
import { canaryTokenIn, writeCanary } from "../../src/verify/canary";
import type { SourceTarget } from "../../src/verify/source-target";
import { describeWithPostgres } from "../support/pg-tier";
import type { Change } from "../support/pgoutput";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  applyDatabaseStack,
  captureSqlStep,
  changesDuring,
  emulateRds,
  runCaptureSql,
} from "../support/rds-emulation";
import { DEMO_CONFIG, synthesize } from "../support/synth";

const demo = loadConfigFile(DEMO_CONFIG);
const source = demo.sources[0] as SourceConfig;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** PostgreSQL's timestamptz text (`2025-01-02 03:04:05.678+00`) as an instant. */
const instant = (text: string) => new Date(text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00")).getTime();

/** A decoded change as `table kind row`. */
const described = (changes: readonly Change[]) =>
  changes.map((ch) => ({
    table: `${ch.relation.schema}.${ch.relation.table}`,
    kind: ch.kind,
    row: ch.kind === "delete" ? ch.oldRow : ch.newRow,
  }));

describeWithPostgres("verify, the canary, on PostgreSQL", (bin) => {
  const synthesized = synthesize(demo);
  const stack = synthesized.stacks["demo-database"] ?? {};
  const step = captureSqlStep(stack);
  let server: ThrowawayPostgres;
  let master: ConnectionParams;
  let cdc: ConnectionParams;
  let target: SourceTarget;

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    master = await emulateRds(server, source.adminUsername, source.databaseName);
    const applied = runCaptureSql(step, master);
    if (applied.code !== 0) throw new Error(`capture SQL failed:\n${applied.output}`);
    cdc = await applyDatabaseStack(server, master, stack, source.capture.cdcRoleName);
    target = { name: "managed", config: source, admin: master, cdc, ssl: false };
    // The application's rows, which the canary must leave alone.
    await withClient(server, master, (c) =>
      c.query("INSERT INTO public.student (name) VALUES ('Ada'), ('Grace')"),
    );
  });
  afterAll(() => {
    server?.stop();
    synthesized.cleanup();
  });

  const asMaster = <T>(fn: (c: Client) => Promise<T>) => withClient(server, master, fn);
  /** Every application row with its xmin: a write to one (even of the same values) changes its xmin. */
  const applicationRows = () =>
    asMaster(
      async (c) => (await c.query("SELECT xmin::text, id, name FROM public.student ORDER BY id")).rows,
    );
  const canaryRows = () =>
    asMaster(
      async (c) =>
        (await c.query("SELECT id, token, written_at FROM cdc.cdc_lake_canary ORDER BY id")).rows as {
          id: number;
          token: string;
          written_at: Date;
        }[],
    );

  it("writes row 1 of the canary with a new token, which the slot decodes from the publication, and nothing else", async () => {
    const before = await applicationRows();
    const at = new Date("2025-01-02T03:04:05.678Z");
    let first: Awaited<ReturnType<typeof writeCanary>> | undefined;
    const changes = await changesDuring(server, cdc, source.capture.publicationName, async () => {
      first = await writeCanary(target, () => at);
    });
    if (!first) throw new Error("writeCanary did not run");
    expect(first.token).toMatch(UUID);
    expect(first.writtenAt).toBe(at);
    expect(first.topic).toBe("cdc-lake-demo.cdc.cdc_lake_canary");
    const decoded = described(changes);
    expect(decoded).toEqual([
      {
        table: "cdc.cdc_lake_canary",
        kind: "insert",
        row: { id: "1", token: first.token, written_at: expect.any(String) },
      },
    ]);
    expect(instant(decoded[0]?.row.written_at as string)).toBe(at.getTime());

    // Again: the same row, a new token (an update, which the slot carries too).
    let second: Awaited<ReturnType<typeof writeCanary>> | undefined;
    const again = await changesDuring(server, cdc, source.capture.publicationName, async () => {
      second = await writeCanary(target);
    });
    if (!second) throw new Error("writeCanary did not run");
    expect(second.token).toMatch(UUID);
    expect(second.token).not.toBe(first.token);
    expect(described(again)).toEqual([
      {
        table: "cdc.cdc_lake_canary",
        kind: "update",
        row: { id: "1", token: second.token, written_at: expect.any(String) },
      },
    ]);
    expect(await canaryRows()).toEqual([{ id: 1, token: second.token, written_at: second.writtenAt }]);
    // The application's rows: the same, not even rewritten.
    expect(await applicationRows()).toEqual(before);
    expect(before.map((r) => r.name)).toEqual(["Ada", "Grace"]);
  });

  it("quotes the schema's name: a name that reads as SQL is only a name", async () => {
    const schema = 'cdc "beat"; DROP TABLE public.student; --';
    await withClient(server, server.superuserParams(source.databaseName), (c) =>
      c.query(`CREATE SCHEMA "cdc ""beat""; DROP TABLE public.student; --" AUTHORIZATION msk_user;
               SET ROLE msk_user;
               CREATE TABLE "cdc ""beat""; DROP TABLE public.student; --".cdc_lake_canary
                 (id integer PRIMARY KEY, token text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())`),
    );
    const hostile = {
      ...target,
      config: { ...source, capture: { ...source.capture, heartbeatSchema: schema } },
    };
    const written = await writeCanary(hostile);
    expect(written.topic).toBe(`cdc-lake-demo.${schema}.cdc_lake_canary`);
    const rows = await asMaster(
      async (c) =>
        (await c.query(`SELECT id, token FROM "cdc ""beat""; DROP TABLE public.student; --".cdc_lake_canary`))
          .rows,
    );
    expect(rows).toEqual([{ id: 1, token: written.token }]);
    expect((await applicationRows()).map((r) => r.name)).toEqual(["Ada", "Grace"]);
  });

  it("fails with PostgreSQL's error, not a password, when the admin login is refused", async () => {
    const wrong = { ...target, admin: { ...master, password: "not-the-password" } };
    const error = await writeCanary(wrong).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toBe('password authentication failed for user "msk_user"');
  });
});

describe("canaryTokenIn", () => {
  const token = "6f1c2a8e-0b7d-4c55-9a3e-2d4f8b1e7c90";
  const change = (after: unknown, before: unknown = null) =>
    JSON.stringify({ before, after, source: { table: "cdc_lake_canary" }, op: "u", ts_ms: 1 });

  it("finds the token in a change's after row, among other records", () => {
    const lines = [change({ id: 1, token: "older" }), change({ id: 1, token }), ""].join("\n");
    expect(canaryTokenIn(lines, token)).toBe(true);
  });

  it("finds it in the payload when the converters write schemas (connectors.jsonSchemas)", () => {
    const line = JSON.stringify({
      schema: { type: "struct" },
      payload: JSON.parse(change({ id: 1, token })),
    });
    expect(canaryTokenIn(line, token)).toBe(true);
  });

  it("does not find a token that is only in a before row, another field, a part of a value, or a broken line", () => {
    const lines = [
      change({ id: 1, token: "newer" }, { id: 1, token }),
      JSON.stringify({ after: { id: 1, note: token } }),
      change({ id: 1, token: `${token}x` }),
      `{"after": {"token": "${token}"`,
      JSON.stringify({ payload: null }),
      "null",
    ].join("\n");
    expect(canaryTokenIn(lines, token)).toBe(false);
  });
});
