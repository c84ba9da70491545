/**
 * `npm run verify`'s source stage (src/verify/source-checks.ts) on real PostgreSQL 15: the demo's database
 * stack and the multi-source example's self-managed source, applied as the stack applies them (its SQL
 * file, the provider's statements, the password step), each slot created and read as Debezium does
 * (CREATE_REPLICATION_SLOT, then pg_recvlogical streaming it). One passing run per source, then one break
 * per check, each with its exact message and fix, each undone afterwards. A second server with
 * wal_level = replica stands in for a source without logical replication.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import type { SourceConfig } from "../../src/config/pipeline-config";
import type { CheckResult } from "../../src/verify/check";
import { checkSource } from "../../src/verify/source-checks";
import type { SourceTarget } from "../../src/verify/source-target";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import { resourcesWhere } from "../support/provider-emulation";
import {
  applyDatabaseStack,
  applyOwnerMembership,
  captureSqlStep,
  createSlotAsDebezium,
  emulateRds,
  runCaptureSql,
} from "../support/rds-emulation";
import { DEMO_CONFIG, synthesize } from "../support/synth";

const demo = loadConfigFile(DEMO_CONFIG);
const multi = loadConfigFile("config/examples/multi-source.yaml");
const demoSource = demo.sources[0] as SourceConfig;
const legacySource = multi.sources.find((s) => s.name === "legacy") as SourceConfig;
const billingSource = multi.sources.find((s) => s.name === "billing") as SourceConfig;

/** A port nothing listens on: one the system handed out, then closed. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

/** The results without their measurements, for exact comparison. */
const seen = (results: readonly CheckResult[]) => results.map(({ data: _data, ...rest }) => rest);
const one = (results: readonly CheckResult[], check: string) => {
  const found = seen(results).filter((r) => r.check === check);
  const [only] = found;
  if (!only || found.length !== 1) throw new Error(`expected one ${check} result, got ${found.length}`);
  return only;
};
/** A config of the source with capture settings changed. */
const withCapture = (source: SourceConfig, capture: Partial<SourceConfig["capture"]>): SourceConfig => ({
  ...source,
  capture: { ...source.capture, ...capture },
});

describeWithPostgres("verify, source stage, on PostgreSQL", (bin) => {
  const demoSynth = synthesize(demo);
  const demoStack = demoSynth.stacks["demo-database"] ?? {};
  const demoStep = captureSqlStep(demoStack);
  const multiSynth = synthesize(multi);
  const MULTI_STACK = `${multi.environment}-database`;
  const legacyStack = resourcesWhere(multiSynth.stacks[MULTI_STACK] ?? {}, (path) =>
    path.startsWith(`${MULTI_STACK}/Source-legacy/`),
  );
  const legacyStep = captureSqlStep(legacyStack, multiSynth.stackDir(MULTI_STACK));

  let server: ThrowawayPostgres;
  let replicaOnly: ThrowawayPostgres;
  let master: ConnectionParams;
  let cdc: ConnectionParams;
  let legacyAdmin: ConnectionParams;
  let legacyCdc: ConnectionParams;
  let version: string;
  const readers: ChildProcess[] = [];

  const asSuperuser = <T>(database: string, fn: (c: Client) => Promise<T>) =>
    withClient(server, server.superuserParams(database), fn);
  const activeSlots = async () =>
    (
      await asSuperuser("postgres", (c) =>
        c.query<{ slot_name: string }>("SELECT slot_name FROM pg_replication_slots WHERE active ORDER BY 1"),
      )
    ).rows.map((r) => r.slot_name);

  /** Debezium's streaming connection, as pg_recvlogical makes it: the slot is active while it runs. */
  const startReader = async (login: ConnectionParams, slot: string, publication: string) => {
    const reader = spawn(
      join(bin, "pg_recvlogical"),
      [
        ...["-h", login.host, "-p", String(login.port), "-U", login.user, "-d", login.database],
        ...[`--slot=${slot}`, "--start", "-o", "proto_version=1", "-o", `publication_names=${publication}`],
        ...["--status-interval=1", "-f", "/dev/null"],
      ],
      { env: { ...process.env, PGPASSWORD: login.password }, stdio: "ignore" },
    );
    readers.push(reader);
    for (let i = 0; i < 100; i++) {
      if ((await activeSlots()).includes(slot)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the reader never made slot ${slot} active`);
  };

  const demoTarget = (
    config: SourceConfig = demoSource,
    change: Partial<SourceTarget> = {},
  ): SourceTarget => ({
    name: "managed",
    config,
    admin: master,
    cdc,
    ssl: false,
    ...change,
  });
  const legacyTarget = (): SourceTarget => ({
    name: "legacy",
    config: legacySource,
    admin: legacyAdmin,
    cdc: legacyCdc,
    ssl: false,
  });

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    replicaOnly = await ThrowawayPostgres.start(bin, ["wal_level = replica"]);
    version = (
      await asSuperuser("postgres", (c) =>
        c.query<{ v: string }>("SELECT current_setting('server_version') AS v"),
      )
    ).rows[0]?.v.split(" ")[0] as string;

    // The demo: the RDS instance's master, the stack's SQL, its provider resources and password step.
    master = await emulateRds(server, demoSource.adminUsername, demoSource.databaseName);
    const applied = runCaptureSql(demoStep, master);
    if (applied.code !== 0) throw new Error(`demo capture SQL failed:\n${applied.output}`);
    cdc = await applyDatabaseStack(server, master, demoStack, demoSource.capture.cdcRoleName);

    // The self-managed source: its database, the application's role and table, then its slice of the stack.
    await asSuperuser("postgres", (c) => c.query("CREATE DATABASE legacy OWNER postgres"));
    await asSuperuser("legacy", (c) =>
      c.query(`CREATE ROLE legacy_app NOLOGIN;
               GRANT CREATE ON SCHEMA public TO legacy_app;
               SET ROLE legacy_app;
               CREATE TABLE public.customers (id bigint PRIMARY KEY, name text NOT NULL);
               CREATE TABLE public.audit_log (id bigserial PRIMARY KEY, what text);
               RESET ROLE`),
    );
    legacyAdmin = server.superuserParams("legacy");
    await withClient(server, legacyAdmin, (c) => applyOwnerMembership(c, legacyStack));
    const legacyApplied = runCaptureSql(legacyStep, legacyAdmin);
    if (legacyApplied.code !== 0) throw new Error(`legacy capture SQL failed:\n${legacyApplied.output}`);
    legacyCdc = await applyDatabaseStack(server, legacyAdmin, legacyStack, legacySource.capture.cdcRoleName);

    // Each connector's slot, created and then streamed as Debezium does.
    for (const [login, source] of [
      [cdc, demoSource],
      [legacyCdc, legacySource],
    ] as const) {
      await createSlotAsDebezium(login, source.capture.slotName);
      await startReader(login, source.capture.slotName, source.capture.publicationName);
    }
  });
  afterAll(() => {
    for (const reader of readers) reader.kill();
    server?.stop();
    replicaOnly?.stop();
    demoSynth.cleanup();
    multiSynth.cleanup();
  });

  it("passes every check on the demo's database as the stack leaves it, its slot read", async () => {
    const results = await checkSource(demoTarget());
    expect(seen(results)).toEqual([
      {
        stage: "source",
        check: "admin-login",
        source: "managed",
        verdict: "pass",
        detail: `admin msk_user logged in to 127.0.0.1:${server.port}/msk_db without TLS, PostgreSQL ${version}`,
      },
      {
        stage: "source",
        check: "wal-level",
        source: "managed",
        verdict: "pass",
        detail: "wal_level is logical",
      },
      {
        stage: "source",
        check: "slot",
        source: "managed",
        verdict: "pass",
        detail: "slot cdc_lake_demo_slot: a logical slot with plugin pgoutput in database msk_db",
      },
      {
        stage: "source",
        check: "slot-lag",
        source: "managed",
        verdict: "pass",
        detail: expect.stringMatching(
          /^slot cdc_lake_demo_slot active, (\d+ B|\d+\.\d KiB) behind \(wal_status reserved\)$/,
        ),
      },
      {
        stage: "source",
        check: "publication",
        source: "managed",
        verdict: "pass",
        detail:
          "publication cdc_lake_demo_publication publishes insert, update, delete of exactly the 1 configured table, the heartbeat and the canary",
      },
      {
        stage: "source",
        check: "replica-identity",
        source: "managed",
        verdict: "pass",
        detail: "replica identity as configured on 1 table (1 full, 0 default)",
      },
      {
        stage: "source",
        check: "cdc-login",
        source: "managed",
        verdict: "pass",
        detail: `cdc_lake_demo_cdc logs in to msk_db at 127.0.0.1:${server.port} and may replicate (member of rds_replication)`,
      },
      {
        stage: "source",
        check: "cdc-rights",
        source: "managed",
        verdict: "pass",
        detail:
          "cdc_lake_demo_cdc may do exactly what Debezium needs: SELECT on 1 captured table and the canary, SELECT and UPDATE on the heartbeat table, USAGE on 2 schemas (cdc, public)",
      },
    ]);
    const lag = results.find((r) => r.check === "slot-lag")?.data;
    expect(lag).toEqual({
      slot: "cdc_lake_demo_slot",
      active: true,
      walStatus: "reserved",
      bytesBehind: expect.any(Number),
      bytesRetained: expect.any(Number),
      // The test server's max_slot_wal_keep_size = '1GB' (test/support/postgres.ts): warn above half.
      maxSlotWalKeepSizeBytes: 1024 ** 3,
      warnAboveBytes: 512 * 1024 ** 2,
    });
    expect(lag?.bytesBehind).toBeLessThan(64 * 1024);
  });

  it("passes every check on the multi-source example's self-managed source (REPLICATION, a superuser admin)", async () => {
    const results = await checkSource(legacyTarget());
    expect(seen(results).map((r) => [r.check, r.verdict, r.detail, r.fix])).toEqual([
      [
        "admin-login",
        "pass",
        `admin postgres logged in to 127.0.0.1:${server.port}/legacy without TLS, PostgreSQL ${version}`,
        undefined,
      ],
      ["wal-level", "pass", "wal_level is logical", undefined],
      [
        "slot",
        "pass",
        "slot shop_prod_legacy_slot: a logical slot with plugin pgoutput in database legacy",
        undefined,
      ],
      [
        "slot-lag",
        "pass",
        expect.stringMatching(
          /^slot shop_prod_legacy_slot active, (\d+ B|\d+\.\d KiB) behind \(wal_status reserved\)$/,
        ),
        undefined,
      ],
      [
        "publication",
        "pass",
        "publication shop_prod_legacy_publication publishes insert, update, delete of exactly the 1 configured table, the heartbeat and the canary",
        undefined,
      ],
      [
        "replica-identity",
        "pass",
        "replica identity as configured on 1 table (1 full, 0 default)",
        undefined,
      ],
      [
        "cdc-login",
        "pass",
        `shop_prod_legacy_cdc logs in to legacy at 127.0.0.1:${server.port} and may replicate (REPLICATION attribute)`,
        undefined,
      ],
      [
        "cdc-rights",
        "pass",
        "shop_prod_legacy_cdc may do exactly what Debezium needs: SELECT on 1 captured table and the canary, SELECT and UPDATE on the heartbeat table, USAGE on 2 schemas (cdc, public)",
        undefined,
      ],
    ]);
  });

  it("fails wal-level on a server without logical replication, with each engine's fix", async () => {
    await withClient(replicaOnly, replicaOnly.superuserParams(), async (c) => {
      for (const database of ["msk_db", "billing", "legacy"]) await c.query(`CREATE DATABASE ${database}`);
    });
    const rds: SourceConfig = {
      ...billingSource,
      server: {
        ...(billingSource.server as Extract<SourceConfig["server"], { kind: "existing" }>),
        engine: "rds-postgresql",
      },
    };
    const walLevel = async (config: SourceConfig) =>
      one(
        await checkSource({
          name: config.name ?? "managed",
          config,
          admin: replicaOnly.superuserParams(config.databaseName),
          cdc: replicaOnly.superuserParams(config.databaseName),
          ssl: false,
        }),
        "wal-level",
      );
    const detail = "wal_level: got replica; expected logical";
    expect(await walLevel(demoSource)).toEqual({
      stage: "source",
      check: "wal-level",
      source: "managed",
      verdict: "fail",
      detail,
      fix: "the pipeline's own parameter group sets rds.logical_replication = 1: apply the platform stack, then reboot the RDS instance (the parameter is static, and Terraform does not reboot)",
    });
    expect([await walLevel(rds), await walLevel(billingSource), await walLevel(legacySource)]).toEqual([
      {
        stage: "source",
        check: "wal-level",
        source: "billing",
        verdict: "fail",
        detail,
        fix: "set rds.logical_replication = 1 in the DB instance's parameter group and reboot the instance (the parameter is static)",
      },
      {
        stage: "source",
        check: "wal-level",
        source: "billing",
        verdict: "fail",
        detail,
        fix: "set rds.logical_replication = 1 in the DB cluster parameter group and reboot the writer instance (the parameter is static)",
      },
      {
        stage: "source",
        check: "wal-level",
        source: "legacy",
        verdict: "fail",
        detail,
        fix: "set wal_level = logical in postgresql.conf (or with ALTER SYSTEM) and restart the server",
      },
    ]);
  });

  it("fails admin-login once when nothing answers, skips what needs it, and names the tunnel when there is one", async () => {
    const port = await closedPort();
    const nowhere = { ...master, port };
    const results = await checkSource(demoTarget(demoSource, { admin: nowhere, cdc: { ...cdc, port } }));
    const skip = "not checked: no session as the admin login (see admin-login)";
    expect(seen(results).map((r) => [r.check, r.verdict, r.detail, r.fix])).toEqual([
      [
        "admin-login",
        "fail",
        `admin msk_user at 127.0.0.1:${port}/msk_db: got connect ECONNREFUSED 127.0.0.1:${port}; expected a session`,
        `this machine cannot reach 127.0.0.1:${port}: admit it (the database's security group or network, e.g. network.operatorAccess), or open a tunnel to the database and set connectThrough to its local end`,
      ],
      ["wal-level", "skip", skip, undefined],
      ["slot", "skip", skip, undefined],
      ["slot-lag", "skip", skip, undefined],
      ["publication", "skip", skip, undefined],
      ["replica-identity", "skip", skip, undefined],
      [
        "cdc-login",
        "fail",
        `CDC role cdc_lake_demo_cdc at 127.0.0.1:${port}/msk_db: got connect ECONNREFUSED 127.0.0.1:${port}; expected a session`,
        `this machine cannot reach 127.0.0.1:${port}: admit it (the database's security group or network, e.g. network.operatorAccess), or open a tunnel to the database and set connectThrough to its local end`,
      ],
      ["cdc-rights", "skip", skip, undefined],
    ]);
    const tunnelled = { ...demoSource, connectThrough: { host: "127.0.0.1", port } };
    expect(one(await checkSource(demoTarget(tunnelled, { admin: nowhere })), "admin-login").fix).toBe(
      `nothing answers at 127.0.0.1:${port}, the local end of the tunnel (connectThrough): open the tunnel to the database, then run verify again`,
    );
    // No password in any result.
    expect(JSON.stringify(results)).not.toContain(master.password);
  });

  it("fails slot when the slot is missing (and skips slot-lag), or is not a pgoutput slot", async () => {
    const missing = await checkSource(
      demoTarget(withCapture(demoSource, { slotName: "cdc_lake_demo_no_slot" })),
    );
    expect([one(missing, "slot"), one(missing, "slot-lag")]).toEqual([
      {
        stage: "source",
        check: "slot",
        source: "managed",
        verdict: "fail",
        detail:
          "slot cdc_lake_demo_no_slot: got no such slot; expected a logical slot with plugin pgoutput in database msk_db",
        fix: "the Debezium connector creates the slot when it starts: check the connector (verify's connectors stage, then its log)",
      },
      {
        stage: "source",
        check: "slot-lag",
        source: "managed",
        verdict: "skip",
        detail: "not measured: no pipeline slot (see slot)",
      },
    ]);

    await asSuperuser("msk_db", (c) =>
      c.query("SELECT pg_create_logical_replication_slot('cdc_lake_demo_decoding', 'test_decoding')"),
    );
    try {
      const other = await checkSource(
        demoTarget(withCapture(demoSource, { slotName: "cdc_lake_demo_decoding" })),
      );
      expect(one(other, "slot")).toEqual({
        stage: "source",
        check: "slot",
        source: "managed",
        verdict: "fail",
        detail:
          "slot cdc_lake_demo_decoding: got a logical slot with plugin test_decoding in database msk_db; expected a logical slot with plugin pgoutput in database msk_db",
        fix: "the slot is not the one Debezium reads: once nothing reads it, drop it (SELECT pg_drop_replication_slot('cdc_lake_demo_decoding')) and restart the connector, which creates it with pgoutput",
      });
    } finally {
      await asSuperuser("msk_db", (c) =>
        c.query("SELECT pg_drop_replication_slot('cdc_lake_demo_decoding')"),
      );
    }
  });

  it("fails publication with a table missing, and with a table too many", async () => {
    const fix =
      "apply the database stack: it sets the publication's tables and operations to the configured ones (Debezium only sees what the publication holds)";
    await asSuperuser("msk_db", (c) =>
      c.query("ALTER PUBLICATION cdc_lake_demo_publication DROP TABLE public.student"),
    );
    try {
      expect(one(await checkSource(demoTarget()), "publication")).toEqual({
        stage: "source",
        check: "publication",
        source: "managed",
        verdict: "fail",
        detail:
          "publication cdc_lake_demo_publication: got missing public.student; expected insert, update, delete of exactly the 1 configured table, the heartbeat and the canary",
        fix,
      });
    } finally {
      await asSuperuser("msk_db", (c) =>
        c.query("ALTER PUBLICATION cdc_lake_demo_publication ADD TABLE public.student"),
      );
    }

    await asSuperuser("msk_db", (c) =>
      c.query(`CREATE TABLE public.unrelated (id int PRIMARY KEY);
               ALTER PUBLICATION cdc_lake_demo_publication ADD TABLE public.unrelated;
               ALTER PUBLICATION cdc_lake_demo_publication SET (publish = 'insert, update')`),
    );
    try {
      expect(one(await checkSource(demoTarget()), "publication")).toEqual({
        stage: "source",
        check: "publication",
        source: "managed",
        verdict: "fail",
        detail:
          "publication cdc_lake_demo_publication: got extra public.unrelated; publishes insert, update; expected insert, update, delete of exactly the 1 configured table, the heartbeat and the canary",
        fix,
      });
    } finally {
      await asSuperuser("msk_db", (c) =>
        c.query(`ALTER PUBLICATION cdc_lake_demo_publication SET (publish = 'insert, update, delete');
                 DROP TABLE public.unrelated`),
      );
    }
    expect(one(await checkSource(demoTarget()), "publication").verdict).toBe("pass");
  });

  it("fails replica-identity when a table's identity is not the configured one", async () => {
    await asSuperuser("msk_db", (c) => c.query("ALTER TABLE public.student REPLICA IDENTITY DEFAULT"));
    try {
      expect(one(await checkSource(demoTarget()), "replica-identity")).toEqual({
        stage: "source",
        check: "replica-identity",
        source: "managed",
        verdict: "fail",
        detail: "public.student: got default; expected full",
        fix: "apply the database stack: it sets each captured table's REPLICA IDENTITY (a table without a primary key needs replicaIdentity: full); a missing application table must be created first",
      });
    } finally {
      await asSuperuser("msk_db", (c) => c.query("ALTER TABLE public.student REPLICA IDENTITY FULL"));
    }
  });

  it("fails cdc-login with a password that is not the role's, and when the role may not replicate", async () => {
    const wrong = await checkSource(
      demoTarget(demoSource, { cdc: { ...cdc, password: "not-the-password" } }),
    );
    expect(one(wrong, "cdc-login")).toEqual({
      stage: "source",
      check: "cdc-login",
      source: "managed",
      verdict: "fail",
      detail: `CDC role cdc_lake_demo_cdc at 127.0.0.1:${server.port}/msk_db: got password authentication failed for user "cdc_lake_demo_cdc"; expected a session`,
      fix: "the role's password is not its secret's (the connector logs in with the secret's): apply the database stack, whose password step sets the role's password from the secret",
    });
    // Its rights are read as the admin: still checked.
    expect(one(wrong, "cdc-rights").verdict).toBe("pass");
    expect(JSON.stringify(wrong)).not.toContain("not-the-password");

    await asSuperuser("postgres", (c) => c.query("REVOKE rds_replication FROM cdc_lake_demo_cdc"));
    try {
      expect(one(await checkSource(demoTarget()), "cdc-login")).toEqual({
        stage: "source",
        check: "cdc-login",
        source: "managed",
        verdict: "fail",
        detail: `cdc_lake_demo_cdc logs in to msk_db at 127.0.0.1:${server.port}: got no membership in rds_replication; expected one (RDS and Aurora let its members replicate)`,
        fix: "apply the database stack: it grants rds_replication to the role",
      });
    } finally {
      await asSuperuser("postgres", (c) => c.query("GRANT rds_replication TO cdc_lake_demo_cdc"));
    }
    await asSuperuser("postgres", (c) => c.query("ALTER ROLE shop_prod_legacy_cdc NOREPLICATION"));
    try {
      expect(one(await checkSource(legacyTarget()), "cdc-login")).toEqual({
        stage: "source",
        check: "cdc-login",
        source: "legacy",
        verdict: "fail",
        detail: `shop_prod_legacy_cdc logs in to legacy at 127.0.0.1:${server.port}: got NOREPLICATION; expected the REPLICATION attribute`,
        fix: 'apply the database stack as a superuser admin: it gives the role REPLICATION (or ALTER ROLE "shop_prod_legacy_cdc" REPLICATION)',
      });
    } finally {
      await asSuperuser("postgres", (c) => c.query("ALTER ROLE shop_prod_legacy_cdc REPLICATION"));
    }
  });

  it("fails cdc-rights naming each privilege beyond Debezium's, and each one missing", async () => {
    const extraFix =
      'revoke what is more (REVOKE <privilege> ON <object> FROM "cdc_lake_demo_cdc", REVOKE <role> FROM "cdc_lake_demo_cdc", ALTER ROLE "cdc_lake_demo_cdc" NO<attribute>), or the grant or membership it comes through: Debezium needs only SELECT on the captured tables and the canary, SELECT and UPDATE on the heartbeat table, USAGE on their schemas, and the database stack revokes nothing it did not grant';
    await asSuperuser("msk_db", (c) =>
      c.query(`GRANT INSERT ON public.student TO cdc_lake_demo_cdc;
               GRANT UPDATE (name) ON public.student TO cdc_lake_demo_cdc;
               GRANT USAGE ON SEQUENCE public.student_id_seq TO cdc_lake_demo_cdc;
               GRANT CREATE ON SCHEMA public TO cdc_lake_demo_cdc;
               GRANT CREATE ON DATABASE msk_db TO cdc_lake_demo_cdc;
               ALTER ROLE cdc_lake_demo_cdc CREATEDB BYPASSRLS;
               CREATE ROLE verify_app_writer NOLOGIN;
               GRANT verify_app_writer TO cdc_lake_demo_cdc`),
    );
    try {
      const rights = one(await checkSource(demoTarget()), "cdc-rights");
      expect(rights).toEqual({
        stage: "source",
        check: "cdc-rights",
        source: "managed",
        verdict: "fail",
        detail:
          "cdc_lake_demo_cdc may do more than Debezium needs: CREATEDB; BYPASSRLS; member of verify_app_writer; INSERT, UPDATE on public.student; USAGE on sequence public.student_id_seq; CREATE on schema public; CREATE on database msk_db",
        fix: extraFix,
      });
    } finally {
      await asSuperuser("msk_db", (c) =>
        c.query(`REVOKE INSERT, UPDATE ON public.student FROM cdc_lake_demo_cdc;
                 REVOKE UPDATE (name) ON public.student FROM cdc_lake_demo_cdc;
                 REVOKE USAGE ON SEQUENCE public.student_id_seq FROM cdc_lake_demo_cdc;
                 REVOKE CREATE ON SCHEMA public FROM cdc_lake_demo_cdc;
                 REVOKE CREATE ON DATABASE msk_db FROM cdc_lake_demo_cdc;
                 ALTER ROLE cdc_lake_demo_cdc NOCREATEDB NOBYPASSRLS;
                 DROP ROLE verify_app_writer`),
      );
    }

    await asSuperuser("msk_db", (c) =>
      c.query(`REVOKE SELECT ON cdc.cdc_lake_canary FROM cdc_lake_demo_cdc;
               REVOKE UPDATE ON cdc.debezium_heartbeat FROM cdc_lake_demo_cdc`),
    );
    try {
      expect(one(await checkSource(demoTarget()), "cdc-rights")).toEqual({
        stage: "source",
        check: "cdc-rights",
        source: "managed",
        verdict: "fail",
        detail:
          "cdc_lake_demo_cdc lacks what Debezium needs: SELECT on cdc.cdc_lake_canary; UPDATE on cdc.debezium_heartbeat",
        fix: "apply the database stack: it grants what Debezium needs",
      });
    } finally {
      await asSuperuser("msk_db", (c) =>
        c.query(`GRANT SELECT ON cdc.cdc_lake_canary TO cdc_lake_demo_cdc;
                 GRANT UPDATE ON cdc.debezium_heartbeat TO cdc_lake_demo_cdc`),
      );
    }
    expect(one(await checkSource(demoTarget()), "cdc-rights").verdict).toBe("pass");
  });

  it("passes cdc-rights with a table the owner created later in a captured schema, and says so", async () => {
    // The stack's default privileges: the table owner's new tables in a captured schema are readable.
    await withClient(server, master, (c) => c.query("CREATE TABLE public.later (id int PRIMARY KEY)"));
    try {
      const results = await checkSource(demoTarget());
      expect(one(results, "cdc-rights")).toEqual({
        stage: "source",
        check: "cdc-rights",
        source: "managed",
        verdict: "pass",
        detail:
          "cdc_lake_demo_cdc may do exactly what Debezium needs: SELECT on 1 captured table and the canary, SELECT and UPDATE on the heartbeat table, USAGE on 2 schemas (cdc, public); also SELECT on 1 table msk_user created later in a captured schema (the stack's default privileges): public.later",
      });
      // Not captured for all that.
      expect(one(results, "publication").verdict).toBe("pass");
    } finally {
      await withClient(server, master, (c) => c.query("DROP TABLE public.later"));
    }
  });

  // Last: it caps the server's slot WAL and advances WAL until a slot is lost.
  it("warns slot-lag when nothing reads the slot, when it is behind, when it is past the cap, and fails it once lost", async () => {
    const slotName = "cdc_lake_demo_idle_slot";
    const idle = demoTarget(withCapture(demoSource, { slotName }));
    await createSlotAsDebezium(cdc, slotName);
    const lag = async () => {
      const found = (await checkSource(idle)).find((r) => r.check === "slot-lag");
      if (!found) throw new Error("no slot-lag result");
      return found;
    };
    /** Writes, then moves to a new WAL segment (16 MiB further), `rounds` times. */
    const advanceWal = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        await asSuperuser("postgres", (c) =>
          c.query(
            "CREATE TABLE IF NOT EXISTS wal_filler (x int); INSERT INTO wal_filler VALUES (1); SELECT pg_switch_wal()",
          ),
        );
      }
    };
    const idleFix =
      "check the Debezium connector (verify's connectors stage, then its log): while nothing reads the slot it keeps WAL, and past max_slot_wal_keep_size PostgreSQL invalidates it (recovery then needs a new snapshot)";
    const drop =
      "drop the slot (SELECT pg_drop_replication_slot('cdc_lake_demo_idle_slot')) and restart the connector with snapshot mode when_needed or initial (connectors.snapshotMode)";

    const fresh = await lag();
    expect([fresh.verdict, fresh.detail, fresh.fix]).toEqual([
      "warn",
      expect.stringMatching(
        /^slot cdc_lake_demo_idle_slot inactive, (\d+ B|\d+\.\d KiB) behind \(wal_status reserved\): nothing reads it$/,
      ),
      idleFix,
    ]);

    // ALTER SYSTEM runs alone (not in the implicit transaction of a multi-statement query).
    await asSuperuser("postgres", async (c) => {
      await c.query("ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'");
      await c.query("SELECT pg_reload_conf()");
    });
    await advanceWal(2);
    const behind = await lag();
    expect([behind.verdict, behind.detail, behind.fix]).toEqual([
      "warn",
      expect.stringMatching(
        /^slot cdc_lake_demo_idle_slot inactive, \d+\.\d MiB behind \(wal_status reserved\): nothing reads it; more than 16\.0 MiB behind \(half of max_slot_wal_keep_size 32\.0 MiB\)$/,
      ),
      idleFix,
    ]);
    expect(behind.data?.bytesBehind).toBeGreaterThan(16 * 1024 ** 2);

    await advanceWal(3);
    const past = await lag();
    expect([past.verdict, past.detail, past.fix]).toEqual([
      "warn",
      expect.stringMatching(
        /^slot cdc_lake_demo_idle_slot inactive, \d+\.\d MiB behind \(wal_status unreserved\): past max_slot_wal_keep_size 32\.0 MiB: PostgreSQL invalidates the slot at its next checkpoint; nothing reads it; more than 16\.0 MiB behind \(half of max_slot_wal_keep_size 32\.0 MiB\)$/,
      ),
      `get the connector reading now (check it in verify's connectors stage), or raise max_slot_wal_keep_size; once the slot is lost, recovery needs a new snapshot: ${drop}`,
    ]);

    await asSuperuser("postgres", (c) => c.query("CHECKPOINT"));
    const lost = await lag();
    expect([lost.verdict, lost.detail, lost.fix]).toEqual([
      "fail",
      expect.stringMatching(
        /^slot cdc_lake_demo_idle_slot inactive, \d+\.\d MiB behind \(wal_status lost\): PostgreSQL removed WAL the slot still needed \(max_slot_wal_keep_size 32\.0 MiB\)$/,
      ),
      `the changes since are lost to the slot, and recovery needs a new snapshot: ${drop}; it creates a new slot and snapshots the tables again`,
    ]);
  });
});
