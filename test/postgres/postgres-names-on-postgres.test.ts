import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  POSTGRES_15_RESERVED_WORDS,
  pgColumnName,
  pgPublicationName,
  pgRoleName,
  pgSchemaName,
  pgSlotName,
} from "../../src/config/postgres-names";
import { describeWithPostgres } from "../support/pg-tier";
import { ThrowawayPostgres } from "../support/postgres";

const accepts = (builder: () => { safeParse: (v: unknown) => { success: boolean } }, name: string) =>
  builder().safeParse(name).success;

describeWithPostgres("PostgreSQL 15: the name rules match the server", (bin) => {
  let server: ThrowawayPostgres;
  let client: Client;
  let keywords: { word: string; catcode: string }[];

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    client = await server.connect(server.superuserParams());
    await client.query("CREATE TABLE t (id int PRIMARY KEY)");
    keywords = (await client.query("SELECT word, catcode FROM pg_get_keywords() ORDER BY word")).rows;
  });
  afterAll(async () => {
    await client?.end();
    server?.stop();
  });

  /** Runs `sql` in a savepoint: the error message, or undefined when it worked. */
  async function attempt(sql: string): Promise<string | undefined> {
    await client.query("BEGIN");
    try {
      await client.query(sql);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.query("ROLLBACK");
    }
  }

  it("embeds exactly the server's reserved words (pg_get_keywords, categories R and T)", async () => {
    const version = (await client.query("SHOW server_version_num")).rows[0].server_version_num;
    expect(Number(version)).toBeGreaterThanOrEqual(150000);
    expect(Number(version)).toBeLessThan(160000);
    const server = keywords.filter((k) => k.catcode === "R" || k.catcode === "T").map((k) => k.word);
    expect([...POSTGRES_15_RESERVED_WORDS]).toEqual(server);
  });

  it("refuses as a publication exactly the key words the provider's unquoted CREATE PUBLICATION cannot take", async () => {
    const mismatches: string[] = [];
    for (const { word } of keywords) {
      const error = await attempt(`CREATE PUBLICATION ${word} FOR TABLE t`);
      if ((error === undefined) !== accepts(pgPublicationName, word))
        mismatches.push(`${word}: ${error ?? "ok"}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("refuses as a schema every key word Debezium's unquoted heartbeat query cannot take", async () => {
    const refusedByServer: string[] = [];
    for (const { word } of keywords) {
      const error = await attempt(
        `CREATE SCHEMA "${word}"; CREATE TABLE "${word}".debezium_heartbeat (id int, beat_at timestamptz); ` +
          `UPDATE ${word}.debezium_heartbeat SET beat_at = now() WHERE id = 1`,
      );
      if (error !== undefined) refusedByServer.push(word);
    }
    // Each word the server refuses there, the builder refuses too (it also refuses a few the server takes
    // in that one statement: one list of reserved words for every unquoted use).
    expect(refusedByServer.filter((w) => accepts(pgSchemaName, w))).toEqual([]);
    expect(refusedByServer.length).toBeGreaterThan(70);
  });

  it("refuses the role names PostgreSQL reserves, as PostgreSQL does", async () => {
    for (const name of ["pg_reader", "public", "none"]) {
      expect(accepts(pgRoleName, name), name).toBe(false);
      expect(await attempt(`CREATE ROLE "${name}"`), name).toMatch(`role name "${name}" is reserved`);
    }
    // Key words that name roles in GRANT ... TO <role> unquoted: the server takes them for something else.
    for (const name of ["current_user", "session_user", "current_role", "user"]) {
      expect(accepts(pgRoleName, name), name).toBe(false);
      expect(await attempt(`CREATE ROLE ${name}`), name).toBeDefined();
    }
    expect(accepts(pgRoleName, "cdc_lake_demo_cdc")).toBe(true);
    expect(
      await attempt("CREATE ROLE cdc_lake_demo_cdc; GRANT pg_monitor TO cdc_lake_demo_cdc"),
    ).toBeUndefined();
  });

  it("refuses system schema names and system column names, as PostgreSQL does", async () => {
    expect(accepts(pgSchemaName, "pg_cdc")).toBe(false);
    expect(await attempt('CREATE SCHEMA "pg_cdc"')).toMatch('unacceptable schema name "pg_cdc"');
    for (const column of ["xmin", "ctid", "tableoid", "cmax"]) {
      expect(accepts(pgColumnName, column), column).toBe(false);
      expect(await attempt(`CREATE TABLE c ("${column}" int)`), column).toMatch(
        `column name "${column}" conflicts with a system column name`,
      );
    }
    // Key words are fine as quoted table and column names: the project's SQL always quotes them.
    expect(accepts(pgColumnName, "user")).toBe(true);
    expect(await attempt('CREATE TABLE "user" ("order" int, "default" text)')).toBeUndefined();
  });

  it("refuses slot names the server refuses, and those START_REPLICATION cannot parse unquoted", async () => {
    for (const name of ["Slot", "cdc-slot", "cdc.slot"]) {
      expect(accepts(pgSlotName, name), name).toBe(false);
      expect(await attempt(`SELECT pg_create_logical_replication_slot('${name}', 'pgoutput')`), name).toMatch(
        "contains invalid character",
      );
    }
    const replicate = (slot: string) =>
      spawnSync(
        join(bin, "psql"),
        [
          "--no-psqlrc",
          `host=127.0.0.1 port=${server.port} user=postgres dbname=postgres replication=database`,
          "-c",
          `START_REPLICATION SLOT ${slot} LOGICAL 0/0 (proto_version '1', publication_names 'p')`,
        ],
        { encoding: "utf8", env: { ...process.env, PGPASSWORD: server.superuserPassword }, timeout: 10_000 },
      );
    await client.query("CREATE PUBLICATION p FOR TABLE t");
    for (const name of ["1slot", "cdc_slot"]) {
      await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
    }
    // The server creates "1slot", but the replication command Debezium's driver sends cannot name it.
    expect(accepts(pgSlotName, "1slot")).toBe(false);
    expect(replicate("1slot").stderr).toMatch(/syntax error/);
    expect(accepts(pgSlotName, "cdc_slot")).toBe(true);
    // psql cannot read the copy stream that follows: getting that far means the command parsed.
    expect(replicate("cdc_slot").stderr).not.toMatch(/syntax error/);
    await client.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
  });
});
