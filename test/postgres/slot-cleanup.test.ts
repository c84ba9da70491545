import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import { emulateRds } from "../support/rds-emulation";

const SCRIPT = join(PROJECT_ROOT, "scripts/drop-replication-slot.sh");

describeWithPostgres("slot hygiene: scripts/drop-replication-slot.sh", (bin) => {
  let server: ThrowawayPostgres;
  let master: ConnectionParams;

  const drop = (slot: string) => {
    const result = spawnSync("bash", [SCRIPT, slot], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        PGHOST: master.host,
        PGPORT: String(master.port),
        PGDATABASE: master.database,
        PGUSER: master.user,
        PGPASSWORD: master.password,
      },
    });
    return { code: result.status, output: result.stdout + result.stderr };
  };
  const slots = () =>
    withClient(
      server,
      master,
      async (c) => (await c.query("SELECT slot_name, active FROM pg_replication_slots")).rows,
    );

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    master = await emulateRds(server, "msk_user", "msk_db");
    await withClient(server, master, (c) =>
      c.query("CREATE TABLE t (id int primary key); CREATE PUBLICATION p FOR TABLE t"),
    );
  });
  afterAll(() => server?.stop());

  it("drops an idle slot, and says so", async () => {
    await withClient(server, master, (c) =>
      c.query("SELECT pg_create_logical_replication_slot('debezium', 'pgoutput')"),
    );
    const run = drop("debezium");
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("slot debezium is gone");
    expect(await slots()).toEqual([]);
  });

  it("is idempotent: a slot that does not exist is already clean", () => {
    const run = drop("debezium");
    expect(run.code).toBe(0);
    expect(run.output).toContain("slot debezium is gone");
  });

  it("refuses a slot a connector is still reading, with the fix, and exit 3", async () => {
    await withClient(server, master, (c) =>
      c.query("SELECT pg_create_logical_replication_slot('busy', 'pgoutput')"),
    );
    // pg_recvlogical streams from the slot like Debezium would, keeping it active.
    const reader: ChildProcess = spawn(
      join(bin, "pg_recvlogical"),
      [
        "-h",
        master.host,
        "-p",
        String(master.port),
        "-U",
        master.user,
        "-d",
        master.database,
        "--slot=busy",
        "--start",
        "-o",
        "proto_version=1",
        "-o",
        "publication_names=p",
        "-f",
        "/dev/null",
      ],
      { env: { ...process.env, PGPASSWORD: master.password }, stdio: "ignore" },
    );
    try {
      for (let i = 0; i < 100 && !(await slots()).some((s) => s.slot_name === "busy" && s.active); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const [pid] = (
        await withClient(server, master, (c) =>
          c.query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'busy'"),
        )
      ).rows.map((r) => r.active_pid);
      const run = drop("busy");
      expect(run.code, run.output).toBe(3);
      expect(run.output).toContain(
        `slot busy is still active: delete the connector (or the connectors stack) first, then run this again (read by backend pid ${pid})`,
      );
      // PostgreSQL's own refusal: the reader keeps its connection and its slot.
      expect(run.output).toContain(`replication slot "busy" is active for PID ${pid}`);
      expect(reader.exitCode).toBeNull();
      expect(await slots()).toEqual([{ slot_name: "busy", active: true }]);
    } finally {
      reader.kill();
    }
  });

  it("explains its usage without a slot name", () => {
    const run = drop("");
    expect(run.code).toBe(2);
    expect(run.output).toContain("usage:");
  });
});
