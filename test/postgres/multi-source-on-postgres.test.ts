/**
 * Issue 12 on a real server: config/examples/multi-source.yaml's database stack, source by source, on one
 * PostgreSQL 15 standing in for the three servers (a database each: shop, the RDS instance; billing, on
 * Aurora; legacy, self-managed). Each source is applied as its own provider and steps would: as its admin,
 * on its database, from the resources under its construct path only. Roles are cluster-wide here, unlike on
 * three servers, which makes "reads only its own source" a stricter test.
 */
import type { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import type { SourceConfig } from "../../src/config/pipeline-config";
import { CANARY_TABLE, HEARTBEAT_TABLE } from "../../src/sql/capture-sql";
import { quoteIdent } from "../../src/sql/quote";
import { describeWithPostgres } from "../support/pg-tier";
import { type Change, decodeChanges } from "../support/pgoutput";
import { type ConnectionParams, ThrowawayPostgres, whileLocked, withClient } from "../support/postgres";
import { resourcesWhere } from "../support/provider-emulation";
import {
  applyDatabaseStack,
  applyOwnerMembership,
  captureSqlStep,
  createSlotAsDebezium,
  emulateRds,
  psqlScriptStep,
  randomPassword,
  reapplyDatabaseStack,
  runCaptureSql,
  runPsqlScript,
  type StepRun,
} from "../support/rds-emulation";
import { synthesize, type TerraformJson } from "../support/synth";
import { catalogState, effectivePrivileges } from "./catalog-state";

const EXAMPLE = "config/examples/multi-source.yaml";
const config = loadConfigFile(EXAMPLE);
const STACK = `${config.environment}-database`;
const MANAGED = "managed";

const keyOf = (s: SourceConfig) => s.name ?? MANAGED;
const captured = (s: SourceConfig) => s.capture.tables.map((t) => `${t.schema}.${t.table}`);
const heartbeatOf = (s: SourceConfig) => `${s.capture.heartbeatSchema}.${HEARTBEAT_TABLE}`;
/** The pipeline's canary (npm run verify writes it), in the heartbeat's schema, captured like a table. */
const canaryOf = (s: SourceConfig) => `${s.capture.heartbeatSchema}.${CANARY_TABLE}`;
/** `schema.table` (as the catalogs and the config write it) quoted for SQL: names come from the config. */
const sql = (qualified: string) => qualified.split(".").map(quoteIdent).join(".");

/** A table of the source's database that is not captured: what no grant, publication or slot may reach. */
const NOT_CAPTURED: Record<string, string> = {
  managed: "public.carts",
  billing: "invoicing.notes",
  legacy: "public.audit_log",
};

interface Source {
  readonly key: string;
  readonly config: SourceConfig;
  /** The stack's resources of this source only (its provider's, its steps'). */
  readonly stack: TerraformJson;
  readonly admin: ConnectionParams;
  cdc?: ConnectionParams;
}

/** What one pass of the database stack did on one source. */
interface Pass {
  readonly check?: StepRun;
  readonly capture: StepRun;
  readonly password?: StepRun;
  /** Pass 2: what the provider's Read found different from the declaration (a second plan's changes). */
  readonly drift?: string[];
}

describeWithPostgres("PostgreSQL: several sources (managed RDS, Aurora, self-managed), one stack", (bin) => {
  const synthesized = synthesize(config);
  const stackJson = synthesized.stacks[STACK];
  if (!stackJson) throw new Error(`no stack ${STACK} in ${Object.keys(synthesized.stacks).join(", ")}`);
  const stackDir = synthesized.stackDir(STACK);
  /** A source's resources: an existing database's under `<stack>/Source-<name>/`, the managed one's elsewhere. */
  const sliceOf = (s: SourceConfig) =>
    resourcesWhere(stackJson, (path) =>
      s.name === undefined
        ? !path.startsWith(`${STACK}/Source-`)
        : path.startsWith(`${STACK}/Source-${s.name}/`),
    );
  let server: ThrowawayPostgres;
  const sources: Source[] = [];
  const passes: Record<string, Pass[]> = {};
  let stateBefore: unknown;
  let stateAfter: unknown;

  const source = (key: string) => {
    const found = sources.find((s) => s.key === key);
    if (!found) throw new Error(`no source ${key}`);
    return found;
  };
  const cdcOf = (s: Source) => {
    if (!s.cdc) throw new Error(`source ${s.key}: no CDC login yet`);
    return s.cdc;
  };
  const asSuperuser = <T>(database: string, fn: (c: Client) => Promise<T>) =>
    withClient(server, server.superuserParams(database), fn);

  /** The whole server's state the stack may change, database by database, and each heartbeat row. */
  const serverState = async () => {
    const roles = sources.flatMap((s) => [s.config.capture.cdcRoleName, s.config.adminUsername]);
    const state: Record<string, unknown> = {};
    for (const s of sources) {
      state[s.key] = await asSuperuser(s.config.databaseName, async (c) => ({
        catalog: await catalogState(c, [...roles, "billing_app", "rds_replication", "rds_superuser"]),
        heartbeat: (await c.query(`SELECT id, beat_at FROM ${sql(heartbeatOf(s.config))}`)).rows,
      }));
    }
    return state;
  };

  /**
   * One apply of the source's part of the stack, in Terraform's order (check, owner membership, captured
   * tables, role, grants, publication, password). Pass 1 creates; pass 2 is a re-apply with every step
   * re-run (as after a new SQL hash or instance): the provider's resources are in state, so it only reads
   * them (drift must be none) and re-runs the statements an update would (see reapplyDatabaseStack).
   */
  const applySource = async (s: Source, pass: 1 | 2): Promise<Pass> => {
    const fail = (what: string, run: StepRun) => {
      throw new Error(`source ${s.key}, pass ${pass}: ${what} exited ${run.code}:\n${run.output}`);
    };
    let check: StepRun | undefined;
    if (s.config.server.kind === "existing") {
      check = runPsqlScript(psqlScriptStep(s.stack, "logical-replication-check", stackDir), s.admin);
      if (check.code !== 0) fail("the logical replication check", check);
    }
    const step = captureSqlStep(s.stack, stackDir);
    if (pass === 1) {
      await withClient(server, s.admin, (c) => applyOwnerMembership(c, s.stack));
      const capture = runCaptureSql(step, s.admin);
      if (capture.code !== 0) fail("the capture SQL", capture);
      s.cdc = await applyDatabaseStack(server, s.admin, s.stack, s.config.capture.cdcRoleName);
      return { check, capture };
    }
    // While the application reads every captured table: an ALTER TABLE would wait, and fail after its retries.
    const capture = await whileLocked(
      server,
      server.superuserParams(s.config.databaseName),
      captured(s.config),
      "ACCESS SHARE",
      () => runCaptureSql(step, s.admin),
    );
    if (capture.code !== 0) fail("the capture SQL", capture);
    const { drift, password } = await reapplyDatabaseStack(server, s.admin, s.stack, cdcOf(s));
    if (password.code !== 0) fail("the CDC password step", password);
    return { check, capture, password, drift };
  };

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin);
    for (const s of config.sources) {
      const key = keyOf(s);
      let admin: ConnectionParams;
      if (s.server.kind === "managed" || s.server.engine !== "postgresql") {
        // RDS and Aurora: a master user that is no superuser, in rds_superuser, owning its database.
        admin = await emulateRds(server, s.adminUsername, s.databaseName);
      } else {
        // Self-managed: the admin is the server's superuser (the example's `postgres`).
        if (s.adminUsername !== "postgres")
          throw new Error(`source ${key}: adminUsername got ${s.adminUsername}; expected postgres`);
        await asSuperuser("postgres", (c) =>
          c.query(`CREATE DATABASE ${quoteIdent(s.databaseName)} OWNER postgres`),
        );
        admin = server.superuserParams(s.databaseName);
      }
      sources.push({ key, config: s, stack: sliceOf(s), admin });
    }

    // The applications' own tables, before the stack runs: billing's (owned by its application's role) and
    // legacy's must exist; one table per database is left out of the capture.
    await asSuperuser("shop", (c) =>
      c.query("SET ROLE cdc_admin; CREATE TABLE public.carts (id bigint PRIMARY KEY, items int); RESET ROLE"),
    );
    await asSuperuser("billing", (c) =>
      c.query(`CREATE ROLE billing_app NOLOGIN;
               CREATE SCHEMA invoicing AUTHORIZATION billing_app;
               SET ROLE billing_app;
               CREATE TABLE invoicing.invoices (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2));
               CREATE TABLE invoicing.payments (id bigint PRIMARY KEY, invoice_id bigint NOT NULL, amount numeric(12,2));
               CREATE TABLE invoicing.notes (id bigint PRIMARY KEY, body text);
               INSERT INTO invoicing.invoices VALUES (1, 'acme', 100.00);
               RESET ROLE`),
    );
    await asSuperuser("legacy", (c) =>
      c.query(`CREATE ROLE legacy_app NOLOGIN;
               GRANT CREATE ON SCHEMA public TO legacy_app;
               SET ROLE legacy_app;
               CREATE TABLE public.customers (id bigint PRIMARY KEY, name text NOT NULL);
               CREATE TABLE public.audit_log (id bigserial PRIMARY KEY, what text);
               INSERT INTO public.customers VALUES (1, 'Ada');
               RESET ROLE`),
    );

    for (const s of sources) passes[s.key] = [await applySource(s, 1)];
    stateBefore = await serverState();
    for (const s of sources) passes[s.key]?.push(await applySource(s, 2));
    stateAfter = await serverState();
  });
  afterAll(() => {
    server?.stop();
    synthesized.cleanup();
  });

  it("stands in for the example's three sources", () => {
    expect(
      sources.map((s) => [s.key, s.config.databaseName, s.config.adminUsername, s.config.capture.tableOwner]),
    ).toEqual([
      ["managed", "shop", "cdc_admin", "cdc_admin"],
      ["billing", "billing", "billing_admin", "billing_app"],
      ["legacy", "legacy", "postgres", "legacy_app"],
    ]);
  });

  it("passes the logical replication check on both existing sources, both passes, without a warning", () => {
    for (const s of sources) {
      const runs = (passes[s.key] ?? []).map(
        (p) => p.check && { code: p.check.code, output: p.check.output },
      );
      expect(runs, s.key).toEqual(
        s.key === MANAGED
          ? [undefined, undefined]
          : [
              { code: 0, output: "" },
              { code: 0, output: "" },
            ],
      );
    }
  });

  it("re-applies without error or notice, while the application reads every captured table, and a second plan would change nothing", () => {
    for (const s of sources) {
      const second = passes[s.key]?.[1];
      expect([second?.capture.code, second?.capture.output], s.key).toEqual([0, ""]);
      expect([second?.password?.code, second?.password?.output], s.key).toEqual([0, ""]);
      expect(second?.drift, s.key).toEqual([]);
    }
  });

  it("changes nothing on the second pass: roles, schemas, tables, identities, grants, publications, rows", () => {
    expect(stateAfter).toEqual(stateBefore);
    // And what was compared is the applied state, not an empty one.
    const billing = (stateBefore as Record<string, any>).billing.catalog;
    expect(billing.publications.map((p: any) => [p.pubname, p.tables])).toEqual([
      [
        "shop_prod_billing_publication",
        ["cdc.cdc_lake_canary", "cdc.debezium_heartbeat", "invoicing.invoices", "invoicing.payments"],
      ],
    ]);
  });

  it("publishes exactly each source's captured tables, its heartbeat and its canary, with their replica identities", async () => {
    const published: Record<string, unknown> = {};
    for (const s of sources) {
      published[s.key] = await asSuperuser(
        s.config.databaseName,
        async (c) =>
          (
            await c.query(
              `SELECT t.pubname, t.schemaname || '.' || t.tablename AS name, c.relreplident
                 FROM pg_publication_tables t
                 JOIN pg_class c ON c.oid = (quote_ident(t.schemaname) || '.' || quote_ident(t.tablename))::regclass
                ORDER BY 1, 2`,
            )
          ).rows,
      );
    }
    expect(published).toEqual({
      managed: [
        // The canary's primary key identifies its rows: verify only inserts them.
        { pubname: "shop_prod_publication", name: "cdc.cdc_lake_canary", relreplident: "d" },
        { pubname: "shop_prod_publication", name: "cdc.debezium_heartbeat", relreplident: "d" },
        { pubname: "shop_prod_publication", name: "sales.orders", relreplident: "f" },
      ],
      billing: [
        { pubname: "shop_prod_billing_publication", name: "cdc.cdc_lake_canary", relreplident: "d" },
        { pubname: "shop_prod_billing_publication", name: "cdc.debezium_heartbeat", relreplident: "d" },
        { pubname: "shop_prod_billing_publication", name: "invoicing.invoices", relreplident: "f" },
        { pubname: "shop_prod_billing_publication", name: "invoicing.payments", relreplident: "d" },
      ],
      legacy: [
        { pubname: "shop_prod_legacy_publication", name: "cdc.cdc_lake_canary", relreplident: "d" },
        { pubname: "shop_prod_legacy_publication", name: "cdc.debezium_heartbeat", relreplident: "d" },
        { pubname: "shop_prod_legacy_publication", name: "public.customers", relreplident: "f" },
      ],
    });
  });

  it("(a) gives each source's slot, created as Debezium does, only its own captured tables' changes", async () => {
    for (const s of sources) {
      const slot = await createSlotAsDebezium(cdcOf(s), s.config.capture.slotName);
      expect([slot.slot_name, slot.output_plugin], s.key).toEqual([s.config.capture.slotName, "pgoutput"]);
    }
    // Every source's tables change, captured or not, each as its application would change them.
    await asSuperuser("shop", (c) =>
      c.query(`SET ROLE cdc_admin;
               INSERT INTO sales.orders (customer_id, total) VALUES (7, 10.50);
               INSERT INTO public.carts VALUES (1, 3)`),
    );
    await asSuperuser("billing", (c) =>
      c.query(`SET ROLE billing_app;
               INSERT INTO invoicing.payments VALUES (1, 1, 100.00);
               UPDATE invoicing.invoices SET amount = 90.00 WHERE id = 1;
               INSERT INTO invoicing.notes VALUES (1, 'not captured')`),
    );
    await asSuperuser("legacy", (c) =>
      c.query(`UPDATE public.customers SET name = 'Ada L.' WHERE id = 1;
               INSERT INTO public.audit_log (what) VALUES ('not captured')`),
    );
    // npm run verify's canary row, one token per source (as the table's owner, the admin that created it).
    for (const s of sources) {
      await withClient(server, s.admin, (c) =>
        c.query(`INSERT INTO ${sql(canaryOf(s.config))} (id, token) VALUES (1, $1)`, [`token-${s.key}`]),
      );
    }
    // Debezium's heartbeat, as each CDC role.
    for (const s of sources) {
      await withClient(server, cdcOf(s), (c) =>
        c.query(`UPDATE ${sql(heartbeatOf(s.config))} SET beat_at = now() WHERE id = 1`),
      );
    }

    const decoded: Record<string, string[]> = {};
    for (const s of sources) {
      const changes: Change[] = await withClient(server, cdcOf(s), async (c) =>
        decodeChanges(
          (
            await c.query(
              "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
              [s.config.capture.slotName, s.config.capture.publicationName],
            )
          ).rows.map((r) => r.data),
        ),
      );
      decoded[s.key] = changes.map((ch) => {
        const row = ch.kind === "delete" ? ch.oldRow : ch.newRow;
        const key = `${ch.relation.schema}.${ch.relation.table}`;
        // The heartbeat's beat_at and the canary's written_at are now(): left out.
        if (key.endsWith(HEARTBEAT_TABLE)) return `${key} ${ch.kind}`;
        const shown = key.endsWith(CANARY_TABLE) ? { id: row?.id, token: row?.token } : row;
        return `${key} ${ch.kind} ${JSON.stringify(shown)}`;
      });
    }
    expect(decoded).toEqual({
      managed: [
        'sales.orders insert {"id":"1","customer_id":"7","total":"10.50"}',
        'cdc.cdc_lake_canary insert {"id":"1","token":"token-managed"}',
        "cdc.debezium_heartbeat update",
      ],
      billing: [
        'invoicing.payments insert {"id":"1","invoice_id":"1","amount":"100.00"}',
        'invoicing.invoices update {"id":"1","customer":"acme","amount":"90.00"}',
        'cdc.cdc_lake_canary insert {"id":"1","token":"token-billing"}',
        "cdc.debezium_heartbeat update",
      ],
      legacy: [
        'public.customers update {"id":"1","name":"Ada L."}',
        'cdc.cdc_lake_canary insert {"id":"1","token":"token-legacy"}',
        "cdc.debezium_heartbeat update",
      ],
    });
  });

  it("(b) lets each CDC role read its own captured tables and canary, and nothing of another source", async () => {
    const attempts: string[] = [];
    for (const reader of sources) {
      for (const s of sources) {
        const targets = [
          ...captured(s.config),
          heartbeatOf(s.config),
          canaryOf(s.config),
          NOT_CAPTURED[s.key] as string,
        ];
        await withClient(server, { ...cdcOf(reader), database: s.config.databaseName }, async (c) => {
          for (const table of targets) {
            const outcome = await c.query(`SELECT count(*) FROM ${sql(table)}`).then(
              () => "read",
              (e: Error) => e.message,
            );
            attempts.push(`${reader.key} on ${s.key}: ${table}: ${outcome}`);
          }
        });
      }
    }
    // Schemas other than public are closed to other roles (no USAGE); public is open (PUBLIC's USAGE,
    // PostgreSQL's default), so there the table's own privilege refuses.
    expect(attempts).toEqual([
      "managed on managed: sales.orders: read",
      "managed on managed: cdc.debezium_heartbeat: read",
      "managed on managed: cdc.cdc_lake_canary: read",
      "managed on managed: public.carts: permission denied for table carts",
      "managed on billing: invoicing.invoices: permission denied for schema invoicing",
      "managed on billing: invoicing.payments: permission denied for schema invoicing",
      "managed on billing: cdc.debezium_heartbeat: permission denied for schema cdc",
      "managed on billing: cdc.cdc_lake_canary: permission denied for schema cdc",
      "managed on billing: invoicing.notes: permission denied for schema invoicing",
      "managed on legacy: public.customers: permission denied for table customers",
      "managed on legacy: cdc.debezium_heartbeat: permission denied for schema cdc",
      "managed on legacy: cdc.cdc_lake_canary: permission denied for schema cdc",
      "managed on legacy: public.audit_log: permission denied for table audit_log",
      "billing on managed: sales.orders: permission denied for schema sales",
      "billing on managed: cdc.debezium_heartbeat: permission denied for schema cdc",
      "billing on managed: cdc.cdc_lake_canary: permission denied for schema cdc",
      "billing on managed: public.carts: permission denied for table carts",
      "billing on billing: invoicing.invoices: read",
      "billing on billing: invoicing.payments: read",
      "billing on billing: cdc.debezium_heartbeat: read",
      "billing on billing: cdc.cdc_lake_canary: read",
      "billing on billing: invoicing.notes: permission denied for table notes",
      "billing on legacy: public.customers: permission denied for table customers",
      "billing on legacy: cdc.debezium_heartbeat: permission denied for schema cdc",
      "billing on legacy: cdc.cdc_lake_canary: permission denied for schema cdc",
      "billing on legacy: public.audit_log: permission denied for table audit_log",
      "legacy on managed: sales.orders: permission denied for schema sales",
      "legacy on managed: cdc.debezium_heartbeat: permission denied for schema cdc",
      "legacy on managed: cdc.cdc_lake_canary: permission denied for schema cdc",
      "legacy on managed: public.carts: permission denied for table carts",
      "legacy on billing: invoicing.invoices: permission denied for schema invoicing",
      "legacy on billing: invoicing.payments: permission denied for schema invoicing",
      "legacy on billing: cdc.debezium_heartbeat: permission denied for schema cdc",
      "legacy on billing: cdc.cdc_lake_canary: permission denied for schema cdc",
      "legacy on billing: invoicing.notes: permission denied for schema invoicing",
      "legacy on legacy: public.customers: read",
      "legacy on legacy: cdc.debezium_heartbeat: read",
      "legacy on legacy: cdc.cdc_lake_canary: read",
      "legacy on legacy: public.audit_log: permission denied for table audit_log",
    ]);
  });

  it("(b) grants each CDC role exactly its captured tables, heartbeat and canary, in its own database only", async () => {
    const privileges: Record<string, Record<string, unknown>> = {};
    for (const reader of sources) {
      const role = reader.config.capture.cdcRoleName;
      privileges[role] = {};
      for (const s of sources) {
        privileges[role][s.key] = await asSuperuser(s.config.databaseName, (c) =>
          effectivePrivileges(c, role),
        );
      }
    }
    // Every database's public schema has USAGE for PUBLIC (PostgreSQL's default): not the stack's grant.
    const elsewhere = { relations: [], schemas: ["public: USAGE"] };
    // The heartbeat and the canary; the canary SELECT only (Debezium reads it; verify writes it as the admin).
    const pipelineTables = [
      "cdc.cdc_lake_canary SELECT",
      "cdc.debezium_heartbeat SELECT",
      "cdc.debezium_heartbeat UPDATE",
    ];
    expect(privileges).toEqual({
      shop_prod_cdc: {
        managed: {
          relations: [...pipelineTables, "sales.orders SELECT"],
          schemas: ["cdc: USAGE", "public: USAGE", "sales: USAGE"],
        },
        billing: elsewhere,
        legacy: elsewhere,
      },
      shop_prod_billing_cdc: {
        managed: elsewhere,
        billing: {
          relations: [...pipelineTables, "invoicing.invoices SELECT", "invoicing.payments SELECT"],
          schemas: ["cdc: USAGE", "invoicing: USAGE", "public: USAGE"],
        },
        legacy: elsewhere,
      },
      shop_prod_legacy_cdc: {
        managed: elsewhere,
        billing: elsewhere,
        legacy: {
          relations: [...pipelineTables, "public.customers SELECT"],
          schemas: ["cdc: USAGE", "public: USAGE"],
        },
      },
    });
  });

  it("(b) makes tables the owner creates later in a captured schema readable, in that source only", async () => {
    const state = stateAfter as Record<string, any>;
    const defaults = Object.fromEntries(sources.map((s) => [s.key, state[s.key].catalog.defaultPrivileges]));
    expect(defaults).toEqual({
      managed: [
        {
          owner: "cdc_admin",
          schema: "sales",
          defaclobjtype: "r",
          acl: ["shop_prod_cdc:SELECT by cdc_admin"],
        },
      ],
      billing: [
        {
          owner: "billing_app",
          schema: "invoicing",
          defaclobjtype: "r",
          acl: ["shop_prod_billing_cdc:SELECT by billing_app"],
        },
      ],
      legacy: [
        {
          owner: "legacy_app",
          schema: "public",
          defaclobjtype: "r",
          acl: ["shop_prod_legacy_cdc:SELECT by legacy_app"],
        },
      ],
    });
  });

  it("(c) lets the legacy role replicate by its REPLICATION attribute, the RDS and Aurora ones by rds_replication", async () => {
    const roles = await asSuperuser("postgres", async (c) =>
      Object.fromEntries(
        (await catalogState(c, ["shop_prod_cdc", "shop_prod_billing_cdc", "shop_prod_legacy_cdc"])).roles.map(
          (r) => [
            r.rolname,
            { login: r.rolcanlogin, super: r.rolsuper, replication: r.rolreplication, memberOf: r.member_of },
          ],
        ),
      ),
    );
    // shop's and billing's REPLICATION is this test's emulation of what rds_replication gives on RDS
    // (grantReplicationLikeRds); legacy's comes from the stack's own CREATE ROLE … REPLICATION.
    expect(roles).toEqual({
      shop_prod_cdc: { login: true, super: false, replication: true, memberOf: ["rds_replication"] },
      shop_prod_billing_cdc: { login: true, super: false, replication: true, memberOf: ["rds_replication"] },
      shop_prod_legacy_cdc: { login: true, super: false, replication: true, memberOf: [] },
    });
    const legacyRole = Object.values<TerraformJson>(source("legacy").stack.resource.postgresql_role);
    expect(legacyRole.map((r) => [r.name, r.replication, r.roles])).toEqual([
      ["shop_prod_legacy_cdc", true, []],
    ]);
  });

  it("lets only billing's admin act as the tables' owner (its tableOwner), and no admin as another's", async () => {
    const members = await asSuperuser(
      "postgres",
      async (c) =>
        (
          await c.query(
            `SELECT r.rolname, ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
                                      WHERE m.member = r.oid ORDER BY 1) AS member_of
               FROM pg_roles r WHERE r.rolname IN ('cdc_admin', 'billing_admin') ORDER BY 1`,
          )
        ).rows,
    );
    expect(members).toEqual([
      { rolname: "billing_admin", member_of: ["billing_app", "rds_replication", "rds_superuser"] },
      { rolname: "cdc_admin", member_of: ["rds_replication", "rds_superuser"] },
    ]);
  });

  it("uses a password of the secret's for each CDC login (SCRAM)", async () => {
    for (const s of sources) {
      const who = await withClient(
        server,
        cdcOf(s),
        async (c) => (await c.query("SELECT current_user AS u")).rows,
      );
      expect(who, s.key).toEqual([{ u: s.config.capture.cdcRoleName }]);
    }
    const wrong = withClient(
      server,
      { ...cdcOf(source("billing")), password: randomPassword() },
      async () => 0,
    );
    await expect(wrong).rejects.toThrow('password authentication failed for user "shop_prod_billing_cdc"');
  });
});
