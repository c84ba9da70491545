import { createHash } from "node:crypto";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { SUPPORTED_POSTGRES_MAJORS } from "../../src/config/fields";
import {
  LogicalReplicationCheck,
  type PostgresEngine,
} from "../../src/constructs/postgres/logical-replication-check";
import {
  CHECKED_POSTGRES_MAJORS,
  renderLogicalReplicationCheck,
} from "../../src/sql/logical-replication-check";

const ENGINES: PostgresEngine[] = ["rds-postgresql", "aurora-postgresql", "postgresql"];
const CONNECTION = { host: "db.example", port: 5432, database: "shop", username: "admin", password: "pw" };

function synth(engine: PostgresEngine) {
  let check: LogicalReplicationCheck | undefined;
  const json = JSON.parse(
    Testing.synthScope((stack) => {
      check = new LogicalReplicationCheck(stack, "LogicalReplicationCheck", {
        engine,
        connection: CONNECTION,
        triggersReplace: { database_instance: "db-123" },
      });
    }),
  );
  return { json, check: check as LogicalReplicationCheck };
}

describe("LogicalReplicationCheck", () => {
  it("runs the engine's check with psql -f as the admin login, re-running when the check or the instance changes", () => {
    const { json, check } = synth("rds-postgresql");
    const sql = renderLogicalReplicationCheck("rds-postgresql");
    const sha = createHash("sha256").update(sql).digest("hex");
    expect(check.script.sql).toBe(sql);
    expect(check.script.fileName).toBe(`logical-replication-check-${sha.slice(0, 16)}.sql`);
    const resources = json.resource.terraform_data;
    expect(Object.keys(resources)).toHaveLength(1);
    const resource = Object.values<any>(resources)[0];
    expect(check.resource.friendlyUniqueId).toBe(Object.keys(resources)[0]);
    expect(resource.triggers_replace).toEqual({ database_instance: "db-123", sql_sha256: sha });
    expect(resource.lifecycle.precondition[0].condition).toBe(
      `\${try(filesha256("\${path.module}/sql/${check.script.fileName}"), "") == "${sha}"}`,
    );
    expect(resource.provisioner).toEqual([
      {
        "local-exec": {
          interpreter: ["/bin/sh", "-c"],
          command: 'psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 -f "$CDC_SQL_FILE"',
          environment: {
            CDC_SQL_FILE: `\${path.module}/sql/${check.script.fileName}`,
            PGHOST: "db.example",
            PGPORT: "5432",
            PGDATABASE: "shop",
            PGUSER: "admin",
            PGPASSWORD: "pw",
            PGSSLMODE: "require",
            PGCONNECT_TIMEOUT: "15",
            PGAPPNAME: "cdc-lake logical replication check",
          },
        },
      },
    ]);
  });

  it("names each engine's fix for wal_level, and checks rds_replication only on RDS and Aurora", () => {
    const sql = Object.fromEntries(ENGINES.map((e) => [e, renderLogicalReplicationCheck(e)]));
    expect(sql["rds-postgresql"]).toContain(
      "'; expected logical. Fix: set rds.logical_replication = 1 in the DB instance''s parameter group and reboot the instance (the parameter is static).'",
    );
    expect(sql["aurora-postgresql"]).toContain(
      "'; expected logical. Fix: set rds.logical_replication = 1 in the DB cluster parameter group and reboot the writer instance (the parameter is static).'",
    );
    expect(sql.postgresql).toContain(
      "'; expected logical. Fix: set wal_level = logical in postgresql.conf (or with ALTER SYSTEM) and restart the server.'",
    );
    expect(sql["rds-postgresql"]).toContain("rds constant boolean := true;");
    expect(sql["aurora-postgresql"]).toContain("rds constant boolean := true;");
    expect(sql.postgresql).toContain("rds constant boolean := false;");
    for (const text of Object.values(sql)) expect(text).not.toContain("{{");
  });

  it("reads only settings and views PostgreSQL 13 to 17 have, by their names", () => {
    const sql = renderLogicalReplicationCheck("postgresql");
    const settings = [...sql.matchAll(/current_setting\('(\w+)'\)/g)].map((m) => m[1]);
    expect([...new Set(settings)].sort()).toEqual([
      "max_replication_slots",
      "max_slot_wal_keep_size",
      "max_wal_senders",
      "server_version",
      "server_version_num",
      "wal_level",
    ]);
    expect(sql).toContain("FROM pg_replication_slots");
    expect(sql).toContain("FROM pg_stat_replication");
  });

  it("checks the majors the config supports", () => {
    expect(CHECKED_POSTGRES_MAJORS).toEqual({
      oldest: Math.min(...SUPPORTED_POSTGRES_MAJORS),
      newest: Math.max(...SUPPORTED_POSTGRES_MAJORS),
    });
    expect(renderLogicalReplicationCheck("postgresql")).toContain("IF major < 13 THEN");
  });

  it("has nothing outside its one DO block but fixed lines, whatever the slot's name", () => {
    const sql = renderLogicalReplicationCheck("rds-postgresql", { slotName: "it's $check$" });
    expect(sql).toContain("pipeline_slot constant text := 'it''s $check$';");
    const lines = sql.split("\n");
    const open = lines.findIndex((l) => l.startsWith("DO "));
    const tag = lines[open]?.slice(3) as string;
    // The slot name holds $check$: the block's tag is the next one, which nothing inside holds.
    expect(tag).toBe("$check_1$");
    expect(lines.slice(open + 1).filter((l) => l.includes(tag))).toEqual([`${tag};`]);
    expect(lines[lines.length - 2]).toBe(`${tag};`);
    expect(lines.slice(0, open).filter((l) => !l.startsWith("--"))).toEqual([
      "\\set ON_ERROR_STOP on",
      "SET standard_conforming_strings = on;",
    ]);
  });

  it("fails if a slot name holds what no generated SQL may carry (a newline, a backslash)", () => {
    expect(() => renderLogicalReplicationCheck("postgresql", { slotName: "a\n\\! touch /tmp/x" })).toThrow(
      'literal holds U+000A, which no generated SQL may carry: "a\\n\\\\! touch /tmp/x"',
    );
  });

  it("fails if the engine is not one it knows", () => {
    expect(() => renderLogicalReplicationCheck("mysql" as PostgresEngine)).toThrow(
      'engine: got "mysql"; expected one of rds-postgresql, aurora-postgresql, postgresql',
    );
  });
});
