import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  applyDatabaseStack,
  applyOwnerMembership,
  captureSqlStep,
  changesDuring,
  emulateRds,
  randomPassword,
  runCaptureSql,
} from "../support/rds-emulation";
import { demoWith, managedCapture, managedDatabase, synthesize } from "../support/synth";
import { tableShape } from "./table-shape";

const EXAMPLE = "config/examples/multi-schema.yaml";
const config = loadConfigFile(EXAMPLE);
const { cdcRoleName, publicationName } = managedCapture(config);

describeWithPostgres(
  "PostgreSQL: several schemas, application-owned tables, REPLICA IDENTITY DEFAULT",
  (bin) => {
    const synthesized = synthesize(config);
    const stack = synthesized.stacks["staging-database"] ?? {};
    const step = captureSqlStep(stack);
    let server: ThrowawayPostgres;
    let master: ConnectionParams;
    let cdc: ConnectionParams;
    let firstRunBeforeAppTable: { code: number; output: string };
    let beforeMembership: { code: number; output: string };

    beforeAll(async () => {
      server = await ThrowawayPostgres.start(bin);
      master = await emulateRds(
        server,
        managedDatabase(config).masterUsername,
        managedDatabase(config).databaseName,
      );
      // Before the application has created its table, the SQL must refuse, naming the table and the fix.
      firstRunBeforeAppTable = runCaptureSql(step, master);
      // The application: its own role owns its schema and table; the master is not a member of it yet.
      const app = server.params(
        managedCapture(config).tableOwner,
        randomPassword(),
        managedDatabase(config).databaseName,
      );
      await withClient(server, server.superuserParams(managedDatabase(config).databaseName), async (c) => {
        await c.query(`CREATE ROLE ${app.user} LOGIN PASSWORD '${app.password}'`);
        await c.query(`CREATE SCHEMA sales AUTHORIZATION ${app.user}`);
      });
      await withClient(server, app, async (c) => {
        await c.query("CREATE TABLE sales.customers (id bigint primary key, email text, vip boolean)");
        await c.query(
          "INSERT INTO sales.customers VALUES (1, 'a@example.com', false), (2, 'b@example.com', true)",
        );
      });
      beforeMembership = runCaptureSql(step, master);
      await withClient(server, master, (c) => applyOwnerMembership(c, stack));
      const run = runCaptureSql(step, master);
      if (run.code !== 0) throw new Error(`capture SQL failed:\n${run.output}`);
      cdc = await applyDatabaseStack(server, master, stack, cdcRoleName);
    });
    afterAll(() => {
      server?.stop();
      synthesized.cleanup();
    });

    it("refuses, naming the table, when an application-owned table does not exist yet", () => {
      expect(firstRunBeforeAppTable.code).not.toBe(0);
      expect(firstRunBeforeAppTable.output).toContain(
        'table "sales"."customers" does not exist: the application owns it, so create it first',
      );
    });

    it("refuses, naming the owner and the fix, while the master cannot act as the table's owner", () => {
      expect(beforeMembership.code).not.toBe(0);
      expect(beforeMembership.output).toContain(
        'table "sales"."customers" is owned by shop_app, and cdc_admin is not a member of that role: set capture.tableOwner to shop_app',
      );
    });

    it("sets each table's identity, keeping the application's table and rows", async () => {
      const tables = await withClient(server, master, (c) =>
        c.query(`SELECT n.nspname || '.' || c.relname AS name, c.relreplident,
                      (SELECT count(*)::int FROM sales.customers) AS customers
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.oid IN ('public.student'::regclass, 'sales.orders'::regclass, 'sales.customers'::regclass)
                ORDER BY 1`),
      );
      expect(tables.rows).toEqual([
        { name: "public.student", relreplident: "f", customers: 2 },
        { name: "sales.customers", relreplident: "f", customers: 2 },
        { name: "sales.orders", relreplident: "d", customers: 2 },
      ]);
    });

    it("creates sales.orders as the free-text columns of the example did", async () => {
      await withClient(server, server.superuserParams(), (c) =>
        c.query(`CREATE DATABASE old_form OWNER "${master.user}"`),
      );
      const old = { ...master, database: "old_form" };
      await withClient(server, old, (c) =>
        c.query(
          "CREATE SCHEMA sales; CREATE TABLE sales.orders (id bigserial primary key, customer_id bigint not null, total numeric(12,2)); ALTER TABLE sales.orders REPLICA IDENTITY DEFAULT",
        ),
      );
      const shape = (params: ConnectionParams) =>
        withClient(server, params, (c) => tableShape(c, "sales.orders"));
      const ours = await shape(master);
      expect(ours).toEqual(await shape(old));
      expect(
        ours.columns.map((c: any) => `${c.attname} ${c.type}${c.attnotnull ? " not null" : ""}`),
      ).toEqual(["id bigint not null", "customer_id bigint not null", "total numeric(12,2)"]);
    });

    it("publishes exactly the three captured tables, the heartbeat table and the canary table", async () => {
      const tables = await withClient(server, master, (c) =>
        c.query(
          "SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
          [publicationName],
        ),
      );
      expect(tables.rows.map((r) => r.t)).toEqual([
        "cdc.cdc_lake_canary",
        "cdc.debezium_heartbeat",
        "public.student",
        "sales.customers",
        "sales.orders",
      ]);
    });

    it("grants read on every captured schema, and on tables created there later", async () => {
      // Created later by the application's role (tableOwner): default privileges make it readable.
      await withClient(server, server.superuserParams(managedDatabase(config).databaseName), (c) =>
        c.query(
          `SET ROLE ${managedCapture(config).tableOwner}; CREATE TABLE sales.refunds (id int primary key); INSERT INTO sales.refunds VALUES (7)`,
        ),
      );
      const read = await withClient(server, cdc, async (c) => ({
        customers: (await c.query("SELECT count(*)::int AS n FROM sales.customers")).rows[0].n,
        refunds: (await c.query("SELECT id FROM sales.refunds")).rows,
        student: (await c.query("SELECT count(*)::int AS n FROM public.student")).rows[0].n,
      }));
      expect(read).toEqual({ customers: 2, refunds: [{ id: 7 }], student: 0 });
    });

    it("carries full before-images for FULL tables and only the key for DEFAULT ones", async () => {
      const changes = await changesDuring(server, cdc, publicationName, () =>
        withClient(server, master, async (c) => {
          await c.query("INSERT INTO sales.orders (id, customer_id, total) VALUES (10, 1, 99.50)");
          await c.query("UPDATE sales.orders SET total = 120.00 WHERE id = 10");
          await c.query("DELETE FROM sales.orders WHERE id = 10");
          await c.query("UPDATE sales.customers SET vip = true WHERE id = 1");
          await c.query("DELETE FROM sales.customers WHERE id = 2");
        }),
      );
      const [, orderUpdate, orderDelete, customerUpdate, customerDelete] = changes;
      // DEFAULT: no old row on UPDATE (the key did not change); only the key on DELETE.
      expect(orderUpdate).toMatchObject({ kind: "update", newRow: { id: "10", total: "120.00" } });
      expect(orderUpdate && "oldRow" in orderUpdate ? orderUpdate.oldRow : undefined).toBeUndefined();
      expect(orderDelete).toMatchObject({
        kind: "delete",
        oldKind: "K",
        oldRow: { id: "10", customer_id: null, total: null },
      });
      // FULL: the whole old row.
      expect(customerUpdate).toMatchObject({
        kind: "update",
        oldKind: "O",
        oldRow: { id: "1", email: "a@example.com", vip: "f" },
        newRow: { id: "1", email: "a@example.com", vip: "t" },
      });
      expect(customerDelete).toMatchObject({
        kind: "delete",
        oldKind: "O",
        oldRow: { id: "2", email: "b@example.com", vip: "t" },
      });
    });

    it("refuses REPLICA IDENTITY DEFAULT on an application table without a primary key", async () => {
      await withClient(server, master, (c) =>
        c.query("CREATE TABLE sales.events (at timestamptz, what text)"),
      );
      const keyless = synthesize(
        demoWith((d) => {
          d.capture.tables = [{ schema: "sales", table: "events", replicaIdentity: "default" }];
        }),
      );
      try {
        const run = runCaptureSql(captureSqlStep(keyless.stacks["demo-database"] ?? {}), master);
        expect(run.code).not.toBe(0);
        expect(run.output).toContain(
          'table "sales"."events" has no primary key: REPLICA IDENTITY DEFAULT would stop its UPDATEs and DELETEs from being published',
        );
      } finally {
        keyless.cleanup();
      }
    });
  },
);
