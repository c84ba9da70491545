import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import { rolePasswordUpdateStatement, roleStatements } from "../support/provider-emulation";
import {
  captureSqlStep,
  cdcPasswordStep,
  emulateRds,
  RDS_DEFAULT_LOGGING,
  runCaptureSql,
  runCdcPasswordStep,
} from "../support/rds-emulation";
import {
  DEMO_CONFIG,
  managedCapture,
  managedDatabase,
  synthesize,
  type TerraformJson,
} from "../support/synth";

const config = loadConfigFile(DEMO_CONFIG);
const role = managedCapture(config).cdcRoleName;
/** Like the generated ones: letters and digits. */
const newPassword = () => randomBytes(16).toString("hex");

describeWithPostgres(
  "PostgreSQL (RDS's logging defaults): the CDC password never reaches the server log",
  (bin) => {
    const synthesized = synthesize(config);
    const stack = synthesized.stacks["demo-database"] ?? {};
    const passwordStep = cdcPasswordStep(stack);
    /** The role as the stack declared it before: password_wo, which the provider writes into CREATE ROLE. */
    const naiveStack: TerraformJson = structuredClone(stack);
    for (const r of Object.values<TerraformJson>(naiveStack.resource.postgresql_role)) {
      r.password_wo = "${ephemeral...password}";
      r.password_wo_version = "${...version_id}";
    }
    let server: ThrowawayPostgres;
    let master: ConnectionParams;
    let logStart = 0;

    beforeAll(async () => {
      server = await ThrowawayPostgres.start(bin, RDS_DEFAULT_LOGGING);
      master = await emulateRds(
        server,
        managedDatabase(config).masterUsername,
        managedDatabase(config).databaseName,
      );
      const tables = runCaptureSql(captureSqlStep(stack), master);
      if (tables.code !== 0) throw new Error(tables.output);
    });
    afterAll(() => {
      server?.stop();
      synthesized.cleanup();
    });
    beforeEach(() => {
      logStart = server.serverLog().length;
    });

    const logSinceTestStart = () => server.serverLog().slice(logStart);
    /** Runs `sql` as the master, as the provider would: the error message, or undefined. */
    const asProvider = async (sql: string) =>
      withClient(server, master, async (c) => {
        try {
          await c.query(sql);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      });
    const canLogIn = (password: string) =>
      withClient(
        server,
        server.params(role, password, master.database),
        async (c) => (await c.query("SELECT current_user AS u")).rows[0].u,
      );
    const storedSecret = () =>
      withClient(
        server,
        server.superuserParams(),
        async (c) =>
          (await c.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role])).rows[0]
            ?.rolpassword as string | undefined,
      );
    const dropRole = () =>
      withClient(server, server.superuserParams(), (c) => c.query(`DROP ROLE IF EXISTS "${role}"`));

    it("logs failing statements in full, as RDS does (the check below can fail)", async () => {
      const password = newPassword();
      await asProvider(`CREATE ROLE "${role}" LOGIN`);
      const [naive] = roleStatements(naiveStack, { [role]: password });
      expect(naive).toContain(`CREATE ROLE "${role}" WITH ENCRYPTED PASSWORD '${password}'`);
      expect(await asProvider(naive as string)).toBe(`role "${role}" already exists`);
      const log = logSinceTestStart();
      expect(log).toContain(`ERROR:  role "${role}" already exists`);
      expect(log).toContain(`STATEMENT:  CREATE ROLE "${role}" WITH ENCRYPTED PASSWORD '${password}'`);
      await dropRole();
    });

    it("the role exists already: the provider's CREATE ROLE fails without a password, the step sets one", async () => {
      const password = newPassword();
      // Left over from an earlier apply whose state was lost.
      await asProvider(`CREATE ROLE "${role}" LOGIN`);
      const [create] = roleStatements(stack, {});
      expect(create).toBe(
        `CREATE ROLE "${role}" WITH VALID UNTIL 'infinity' CONNECTION LIMIT 5 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`,
      );
      expect(await asProvider(create as string)).toBe(`role "${role}" already exists`);
      const run = runCdcPasswordStep(passwordStep, master, password);
      expect(run.code, run.output).toBe(0);
      expect(await canLogIn(password)).toBe(role);
      expect(await storedSecret()).toMatch(
        /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/,
      );
      const log = logSinceTestStart();
      expect(log).toContain(`STATEMENT:  ${create}`);
      expect(log).not.toContain(password);
      await dropRole();
    });

    it("the role is gone when the password is rotated: the step fails, logging a verifier, not the password", async () => {
      const password = newPassword();
      const naivePassword = newPassword();
      const run = runCdcPasswordStep(passwordStep, master, password);
      expect(run.code).toBe(3);
      expect(run.output).toContain(`ERROR:  role "${role}" does not exist`);
      // The provider's update, setRolePassword, with the password in the statement.
      const naive = rolePasswordUpdateStatement(role, naivePassword);
      expect(await asProvider(naive)).toBe(`role "${role}" does not exist`);
      const log = logSinceTestStart();
      expect(log).toMatch(new RegExp(`STATEMENT:  ALTER ROLE "${role}" PASSWORD 'SCRAM-SHA-256\\$4096:`));
      expect(log).not.toContain(password);
      expect(log).toContain(`STATEMENT:  ${naive}`);
      expect(log).toContain(naivePassword);
    });

    it("the whole stack, then a rotation, with every statement logged: still never the password", async () => {
      await withClient(server, server.superuserParams(), async (c) => {
        await c.query("ALTER SYSTEM SET log_statement = 'all'");
        await c.query("SELECT pg_reload_conf()");
      });
      try {
        const first = newPassword();
        const rotated = newPassword();
        await withClient(server, master, async (c) => {
          for (const sql of roleStatements(stack, {})) await c.query(sql);
        });
        const firstRun = runCdcPasswordStep(passwordStep, master, first);
        expect(firstRun.code, firstRun.output).toBe(0);
        // (No grantReplicationLikeRds here: its REPLICATION attribute, which RDS does not use, would keep a
        // non-superuser master from altering the role.)
        expect(await canLogIn(first)).toBe(role);
        const rotation = runCdcPasswordStep(passwordStep, master, rotated);
        expect(rotation.code, rotation.output).toBe(0);
        expect(await canLogIn(rotated)).toBe(role);
        await expect(canLogIn(first)).rejects.toThrow(/password authentication failed/);
        const log = logSinceTestStart();
        expect(log.match(/LOG: {2}statement: ALTER ROLE .* PASSWORD 'SCRAM-SHA-256\$4096:/g)).toHaveLength(2);
        expect(log).not.toContain(first);
        expect(log).not.toContain(rotated);
      } finally {
        await withClient(server, server.superuserParams(), async (c) => {
          await c.query("ALTER SYSTEM RESET log_statement");
          await c.query("SELECT pg_reload_conf()");
        });
        await dropRole();
      }
    });
  },
);
