/**
 * The logical replication preflight (src/sql/logical-replication-check.sql), synthesized by its construct
 * and run with the step's own command (psql -f, ON_ERROR_STOP) on real PostgreSQL 15 servers.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LogicalReplicationCheck,
  type PostgresEngine,
} from "../../src/constructs/postgres/logical-replication-check";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  emulateRds,
  type PsqlScriptStep,
  psqlScriptStep,
  randomPassword,
  runPsqlScript,
  type StepRun,
} from "../support/rds-emulation";

/** The check's step as synthesized for `engine`, its SQL read from the synthesized file. */
function checkStep(engine: PostgresEngine, slotName?: string): PsqlScriptStep {
  const stack = new TerraformStack(Testing.app(), "database");
  new LogicalReplicationCheck(stack, "LogicalReplicationCheck", {
    engine,
    connection: { host: "h", port: 5432, database: "d", username: "u", password: "p" },
    triggersReplace: { database_instance: "i" },
    slotName,
  });
  const outdir = Testing.fullSynth(stack);
  try {
    const dir = join(outdir, "stacks", "database");
    const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
    return psqlScriptStep(json, "logical-replication-check", dir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const steps = {
  "rds-postgresql": checkStep("rds-postgresql"),
  "aurora-postgresql": checkStep("aurora-postgresql"),
  postgresql: checkStep("postgresql"),
};

/** The ERROR's message psql printed (multi-line), without psql's prefix and the CONTEXT line. */
const errorOf = (run: StepRun) => /ERROR: {2}([\s\S]*?)\nCONTEXT: /.exec(run.output)?.[1];
/** The WARNINGs' messages psql printed. */
const warningsOf = (run: StepRun) => [...run.output.matchAll(/WARNING: {2}(.*)/g)].map((m) => m[1]);

const HEADER = "the database is not ready for the pipeline's logical replication (nothing was changed):";

function check(engine: PostgresEngine, params: ConnectionParams, step = steps[engine]): StepRun {
  return runPsqlScript(step, params);
}

describeWithPostgres("PostgreSQL: the logical replication preflight", (bin) => {
  describe("on a server with wal_level = replica", () => {
    let server: ThrowawayPostgres;
    let master: ConnectionParams;
    beforeAll(async () => {
      server = await ThrowawayPostgres.start(bin, ["wal_level = replica"]);
      master = await emulateRds(server, "msk_user", "msk_db");
    });
    afterAll(() => server?.stop());

    it("fails naming rds.logical_replication and the DB instance's parameter group (RDS)", () => {
      const run = check("rds-postgresql", master);
      expect(run.code, run.output).toBe(3);
      expect(errorOf(run)).toBe(
        `${HEADER}\n- wal_level: got replica; expected logical. Fix: set rds.logical_replication = 1 in the DB instance's parameter group and reboot the instance (the parameter is static).`,
      );
    });

    it("fails naming rds.logical_replication and the DB cluster parameter group (Aurora)", () => {
      const run = check("aurora-postgresql", master);
      expect(run.code, run.output).toBe(3);
      expect(errorOf(run)).toBe(
        `${HEADER}\n- wal_level: got replica; expected logical. Fix: set rds.logical_replication = 1 in the DB cluster parameter group and reboot the writer instance (the parameter is static).`,
      );
    });

    it("fails naming wal_level and postgresql.conf (self-managed)", () => {
      const run = check("postgresql", server.superuserParams("msk_db"));
      expect(run.code, run.output).toBe(3);
      expect(errorOf(run)).toBe(
        `${HEADER}\n- wal_level: got replica; expected logical. Fix: set wal_level = logical in postgresql.conf (or with ALTER SYSTEM) and restart the server.`,
      );
    });

    it("reports every problem at once, one line each", () => {
      const run = check("postgresql", master);
      expect(run.code, run.output).toBe(3);
      expect(
        errorOf(run)
          ?.split("\n")
          .map((line) => line.split(":")[0]),
      ).toEqual([
        "the database is not ready for the pipeline's logical replication (nothing was changed)",
        "- wal_level",
        "- login msk_user",
      ]);
    });
  });

  describe("on a server with wal_level = logical, 2 replication slots and 2 WAL senders", () => {
    let server: ThrowawayPostgres;
    let master: ConnectionParams;
    beforeAll(async () => {
      server = await ThrowawayPostgres.start(bin, ["max_replication_slots = 2", "max_wal_senders = 2"]);
      master = await emulateRds(server, "msk_user", "msk_db");
    });
    afterAll(() => server?.stop());

    it("passes, silently, for each engine with its admin login", () => {
      for (const [engine, login] of [
        ["rds-postgresql", master],
        ["aurora-postgresql", master],
        ["postgresql", server.superuserParams("msk_db")],
      ] as const) {
        const run = check(engine, login);
        expect({ engine, code: run.code, output: run.output }).toEqual({ engine, code: 0, output: "" });
      }
    });

    it("fails naming max_replication_slots when every slot is taken, unless one is the pipeline's", async () => {
      const su = server.superuserParams("msk_db");
      await withClient(server, su, (c) =>
        c.query(
          "SELECT pg_create_logical_replication_slot('other_a', 'pgoutput'), pg_create_logical_replication_slot('cdc_slot', 'pgoutput')",
        ),
      );
      try {
        const run = check("rds-postgresql", master);
        expect(run.code, run.output).toBe(3);
        expect(errorOf(run)).toBe(
          `${HEADER}\n- max_replication_slots: got 2, with 2 slots in use; expected one free for the pipeline's slot. Fix: drop a slot nothing reads any more (see SELECT slot_name, active FROM pg_replication_slots), or raise max_replication_slots in the DB instance's parameter group and reboot the instance.`,
        );
        // A re-run on a running pipeline: its own slot is one of them.
        const rerun = check("rds-postgresql", master, checkStep("rds-postgresql", "cdc_slot"));
        expect(rerun.code, rerun.output).toBe(0);
      } finally {
        await withClient(server, su, (c) =>
          c.query("SELECT pg_drop_replication_slot(s) FROM unnest(ARRAY['other_a', 'cdc_slot']) s"),
        );
      }
    });

    it("fails naming max_wal_senders when every WAL sender is taken (any replication connection counts)", async () => {
      const su = server.superuserParams("msk_db");
      const senders: Client[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const c = new Client({ ...su, replication: "database" } as ConstructorParameters<typeof Client>[0]);
          await c.connect();
          senders.push(c);
        }
        const run = check("postgresql", su);
        expect(run.code, run.output).toBe(3);
        expect(errorOf(run)).toBe(
          `${HEADER}\n- max_wal_senders: got 2, with 2 WAL senders in use; expected one free for the pipeline's connector (standbys and backups use them too). Fix: raise max_wal_senders in postgresql.conf (or with ALTER SYSTEM) and restart the server.`,
        );
      } finally {
        for (const c of senders) await c.end();
      }
    });

    it("warns naming max_slot_wal_keep_size when it is -1 (unbounded), and still passes", async () => {
      const su = server.superuserParams("msk_db");
      await withClient(server, su, async (c) => {
        await c.query("ALTER SYSTEM SET max_slot_wal_keep_size = -1");
        await c.query("SELECT pg_reload_conf()");
      });
      try {
        // pg_reload_conf signals the postmaster; the next session sees the new value.
        await new Promise((r) => setTimeout(r, 300));
        const run = check("aurora-postgresql", master);
        expect(run.code, run.output).toBe(0);
        expect(warningsOf(run)).toEqual([
          "max_slot_wal_keep_size: got -1 (no limit): a replication slot whose connector stopped keeps all WAL from then on, until the disk is full. Set max_slot_wal_keep_size in the DB cluster parameter group to what the storage can spare.",
        ]);
      } finally {
        await withClient(server, su, async (c) => {
          await c.query("ALTER SYSTEM RESET max_slot_wal_keep_size");
          await c.query("SELECT pg_reload_conf()");
        });
      }
    });

    it("refuses an RDS login that may not grant rds_replication, and a server without RDS's roles", async () => {
      const password = randomPassword();
      await withClient(server, master, (c) =>
        c.query(`CREATE ROLE plain_admin LOGIN CREATEROLE PASSWORD '${password}'`),
      );
      const plain = server.params("plain_admin", password, "msk_db");
      const run = check("rds-postgresql", plain);
      expect(run.code, run.output).toBe(3);
      expect(errorOf(run)).toBe(
        `${HEADER}\n- login plain_admin: got a role that is not a member of rds_superuser; expected the master user or another member of rds_superuser, which may grant rds_replication to the CDC role. Fix: connect as the master user, or GRANT rds_superuser to this login.`,
      );
      // A self-managed server has no rds_replication: configured as RDS, it is refused with the fix.
      const bare = await ThrowawayPostgres.start(bin);
      try {
        const onBare = check("rds-postgresql", bare.superuserParams());
        expect(onBare.code, onBare.output).toBe(3);
        expect(errorOf(onBare)).toBe(
          `${HEADER}\n- role rds_replication: got no such role; expected RDS for PostgreSQL, where it grants logical replication. Fix: if this server is not RDS, configure it as self-managed PostgreSQL.`,
        );
      } finally {
        bare.stop();
      }
    });

    it("refuses a self-managed login that is not a superuser, which PostgreSQL 15 requires for REPLICATION", async () => {
      // The RDS-like master: CREATEROLE, and REPLICATION as emulateRds gives members of rds_replication.
      const run = check("postgresql", master);
      expect(run.code, run.output).toBe(3);
      expect(errorOf(run)).toBe(
        `${HEADER}\n- login msk_user: got NOSUPERUSER CREATEROLE REPLICATION; expected a superuser: PostgreSQL 15 and older let only superusers create a role WITH REPLICATION (16 and newer: a role with CREATEROLE and REPLICATION too). Fix: connect as a superuser.`,
      );
      // The rule the message states, on this server (15): CREATEROLE and REPLICATION do not suffice.
      await expect(
        withClient(server, master, (c) => c.query("CREATE ROLE would_replicate REPLICATION")),
      ).rejects.toThrow("must be superuser to create replication users");
    });
  });
});
