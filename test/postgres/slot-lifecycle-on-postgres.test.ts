import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataResource, type TerraformResource, Testing } from "cdktf";
import type { Construct } from "constructs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import {
  ReplicationSlotLifecycle,
  type ReplicationSlotLifecycleProps,
} from "../../src/constructs/postgres/replication-slot-lifecycle";
import { describeWithPostgres } from "../support/pg-tier";
import { decodeChanges } from "../support/pgoutput";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  applyDatabaseStack,
  captureSqlStep,
  createSlotAsDebezium,
  type DestroyStep,
  destroyStep,
  emulateRds,
  runCaptureSql,
  runDestroyStep,
  tlsLikeRds,
} from "../support/rds-emulation";
import {
  DEMO_CONFIG,
  managedCapture,
  managedDatabase,
  synthesize,
  type TerraformJson,
} from "../support/synth";
import { terraformTier } from "../support/terraform";

const config = loadConfigFile(DEMO_CONFIG);
const { cdcRoleName, publicationName, slotName } = managedCapture(config);
const REGION = "eu-west-1";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:cdc-lake-demo/postgres/${cdcRoleName}-AbCdEf`;

/** The construct alone, as the connectors stack will hold it, pointed at the test server. */
function lifecycleJson(
  port: number,
  overrides: Partial<ReplicationSlotLifecycleProps> = {},
  reader?: (scope: Construct) => TerraformResource,
): TerraformJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const lifecycle = new ReplicationSlotLifecycle(scope, "ReplicationSlot", {
        slotName,
        connection: { host: "127.0.0.1", port, database: managedDatabase(config).databaseName },
        credentialsSecretArn: SECRET_ARN,
        region: REGION,
        ...overrides,
      });
      if (reader) lifecycle.readBy(reader(scope));
    }),
  );
}

describeWithPostgres("PostgreSQL: the replication slot lives and dies with its connector", (bin) => {
  const synthesized = synthesize(config);
  const database = synthesized.stacks["demo-database"] ?? {};
  const tls = tlsLikeRds();
  const fakeBin = mkdtempSync(join(tmpdir(), "cdc-lake-aws-"));
  const awsLog = join(fakeBin, "calls.log");
  let server: ThrowawayPostgres;
  let master: ConnectionParams;
  let cdc: ConnectionParams;
  let step: DestroyStep;
  const readers: ChildProcess[] = [];

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin, tls.settings);
    master = await emulateRds(
      server,
      managedDatabase(config).masterUsername,
      managedDatabase(config).databaseName,
    );
    const sql = runCaptureSql(captureSqlStep(database), master);
    if (sql.code !== 0) throw new Error(`capture SQL failed:\n${sql.output}`);
    cdc = await applyDatabaseStack(server, master, database, cdcRoleName);
    // The AWS CLI, as far as the step uses it: the CDC role's secret for SECRET_ARN, an error otherwise.
    writeFileSync(
      join(fakeBin, "secret.json"),
      JSON.stringify({ username: cdc.user, password: cdc.password }),
      { mode: 0o600 },
    );
    writeFileSync(
      join(fakeBin, "aws"),
      [
        "#!/bin/sh",
        `printf '%s\\n' "$*" >> '${awsLog}'`,
        `if [ "$*" = "secretsmanager get-secret-value --region ${REGION} --secret-id ${SECRET_ARN} --query SecretString --output text" ]; then`,
        `  cat '${join(fakeBin, "secret.json")}'; echo; exit 0`,
        "fi",
        'echo "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: not authorized" >&2',
        "exit 254",
        "",
      ].join("\n"),
      { mode: 0o700 },
    );
    step = destroyStep(lifecycleJson(server.port));
  });
  afterAll(() => {
    for (const reader of readers) reader.kill();
    server?.stop();
    tls.cleanup();
    rmSync(fakeBin, { recursive: true, force: true });
    synthesized.cleanup();
  });

  const asSuperuser = <T>(fn: Parameters<typeof withClient<T>>[2]) =>
    withClient(server, server.superuserParams(managedDatabase(config).databaseName), fn);
  const slots = () =>
    asSuperuser(
      async (c) =>
        (
          await c.query(
            "SELECT slot_name, plugin, slot_type, database, active, active_pid FROM pg_replication_slots",
          )
        ).rows,
    );
  /** Debezium's streaming connection, as pg_recvlogical makes it: the slot is active while it runs. */
  const startReader = async (): Promise<ChildProcess> => {
    const reader = spawn(
      join(bin, "pg_recvlogical"),
      [
        ...["-h", cdc.host, "-p", String(cdc.port), "-U", cdc.user, "-d", cdc.database],
        ...[`--slot=${slotName}`, "--start", "-o", "proto_version=1"],
        ...["-o", `publication_names=${publicationName}`, "-f", "/dev/null"],
      ],
      { env: { ...process.env, PGPASSWORD: cdc.password }, stdio: "ignore" },
    );
    readers.push(reader);
    for (let i = 0; i < 100; i++) {
      if ((await slots()).some((s) => s.slot_name === slotName && s.active)) return reader;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the reader never made the slot active");
  };
  const exited = (reader: ChildProcess) =>
    new Promise<void>((resolve) =>
      reader.exitCode !== null ? resolve() : reader.once("exit", () => resolve()),
    );
  /** WAL segment files, oldest first (names sort by position within a timeline). */
  const walSegments = async () =>
    (
      await asSuperuser((c) =>
        c.query("SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' ORDER BY name"),
      )
    ).rows.map((r) => r.name as string);
  /** Writes, switches to a new segment `rounds` times, then checkpoints: unneeded segments go. */
  const advanceWal = async (rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      await withClient(server, master, (c) => c.query("INSERT INTO public.student (name) VALUES ('wal')"));
      await asSuperuser((c) => c.query("SELECT pg_switch_wal()"));
    }
    await asSuperuser((c) => c.query("CHECKPOINT"));
  };

  it("the database stack creates the publication and no slot", async () => {
    expect(database.resource.postgresql_replication_slot).toBeUndefined();
    expect(await slots()).toEqual([]);
    const publication = await asSuperuser((c) =>
      c.query("SELECT count(*)::int AS n FROM pg_publication WHERE pubname = $1", [publicationName]),
    );
    expect(publication.rows).toEqual([{ n: 1 }]);
  });

  it("lets the CDC role create the slot as Debezium 2.3.7 does when slot.name names none", async () => {
    const created = await createSlotAsDebezium(cdc, slotName);
    expect(created).toMatchObject({ slot_name: slotName, output_plugin: "pgoutput" });
    // The exported snapshot Debezium's initial snapshot reads from (SET TRANSACTION SNAPSHOT).
    expect(created.snapshot_name).toMatch(/^[0-9A-F-]+$/);
    expect(await slots()).toEqual([
      {
        slot_name: slotName,
        plugin: "pgoutput",
        slot_type: "logical",
        database: managedDatabase(config).databaseName,
        active: false,
        active_pid: null,
      },
    ]);
  });

  it("delivers the captured tables' changes through the publication to the CDC role", async () => {
    await withClient(server, master, async (c) => {
      await c.query("INSERT INTO public.student (name) VALUES ('John Doe')");
      await c.query("UPDATE public.student SET name = 'Updated Name' WHERE name = 'John Doe'");
      await c.query("DELETE FROM public.student WHERE name = 'Updated Name'");
    });
    // Consumed, as Debezium confirms what it streamed: the slot advances.
    const raw = await withClient(server, cdc, (c) =>
      c.query(
        "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
        [slotName, publicationName],
      ),
    );
    const changes = decodeChanges(raw.rows.map((r) => r.data));
    expect(changes.map((c) => [c.kind, `${c.relation.schema}.${c.relation.table}`])).toEqual([
      ["insert", "public.student"],
      ["update", "public.student"],
      ["delete", "public.student"],
    ]);
    expect(changes[2]).toMatchObject({ oldKind: "O", oldRow: { name: "Updated Name" } });
  });

  it("destroy drops the slot with the CDC role's credentials read at destroy time, and the WAL is released", async () => {
    const [held] = (
      await asSuperuser((c) =>
        c.query(
          "SELECT pg_walfile_name(restart_lsn) AS segment FROM pg_replication_slots WHERE slot_name = $1",
          [slotName],
        ),
      )
    ).rows.map((r) => r.segment as string);
    if (!held) throw new Error("no slot");
    await advanceWal(3);
    // While the slot exists, its restart point's segment outlives checkpoints.
    const before = await walSegments();
    expect(before).toContain(held);
    const retained = await asSuperuser((c) =>
      c.query(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS bytes FROM pg_replication_slots WHERE slot_name = $1",
        [slotName],
      ),
    );
    expect(Number(retained.rows[0].bytes)).toBeGreaterThan(2 * 16 * 1024 * 1024);

    rmSync(awsLog, { force: true });
    const run = await runDestroyStep(step, [fakeBin]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`slot ${slotName} is gone`);
    expect(run.output).not.toContain(cdc.password);
    expect(readFileSync(awsLog, "utf8")).toBe(
      `secretsmanager get-secret-value --region ${REGION} --secret-id ${SECRET_ARN} --query SecretString --output text\n`,
    );
    expect(await slots()).toEqual([]);

    await advanceWal(2);
    const after = await walSegments();
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((segment) => segment <= held)).toEqual([]);
  });

  it("destroy finds nothing to do when there is no slot", async () => {
    const run = await runDestroyStep(step, [fakeBin]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`slot ${slotName} is gone`);
  });

  it("destroy waits for a connected reader, then fails with the fix, and never terminates the reader", async () => {
    await createSlotAsDebezium(cdc, slotName);
    const reader = await startReader();
    const [before] = await slots();
    const impatient = destroyStep(lifecycleJson(server.port, { readerGoneTimeoutSeconds: 4 }));
    const started = Date.now();
    const run = await runDestroyStep(impatient, [fakeBin]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(
      `cdc-lake: replication slot ${slotName} is still active; waiting up to 4s for its reader`,
    );
    expect(run.output).toContain(
      `slot ${slotName} is still active: delete the connector (or the connectors stack) first, then run this again (read by backend pid ${before?.active_pid})`,
    );
    expect(run.output).toContain(
      `cdc-lake: replication slot ${slotName} was NOT dropped: it is still active after 4s: a connector still reads it`,
    );
    expect(run.output).toContain(`scripts/drop-replication-slot.sh ${slotName}`);
    expect(run.output).toMatch(/terraform state rm 'terraform_data\.ReplicationSlot_[0-9A-F]{8}'/);
    // The reader kept its connection and its slot.
    expect(reader.exitCode).toBeNull();
    expect(await slots()).toEqual([before]);
    reader.kill();
    await exited(reader);
  });

  it("destroy drops the slot as soon as its reader disconnects", async () => {
    const reader = await startReader();
    const waiting = runDestroyStep(step, [fakeBin], (output) => {
      if (output.includes("waiting up to 300s") && reader.exitCode === null) reader.kill();
    });
    const run = await waiting;
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`slot ${slotName} is gone`);
    expect(await slots()).toEqual([]);
  });

  it("destroy fails with the way out, and leaves the slot, when the AWS CLI cannot read the secret", async () => {
    await createSlotAsDebezium(cdc, slotName);
    const other = `${SECRET_ARN.slice(0, -6)}XyZ123`;
    const run = await runDestroyStep(
      destroyStep(lifecycleJson(server.port, { credentialsSecretArn: other })),
      [fakeBin],
    );
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain("AccessDeniedException");
    expect(run.output).toContain(
      `replication slot ${slotName} was NOT dropped: the AWS CLI could not read the CDC role's credentials from ${other}`,
    );
    expect(run.output).toContain(
      `  scripts/drop-replication-slot.sh ${slotName}   (docs/runbook.md#slot-hygiene)`,
    );
    expect((await slots()).map((s) => s.slot_name)).toEqual([slotName]);
  });

  const tier = terraformTier();
  const noTerraform = "skipReason" in tier ? tier.skipReason : undefined;
  if (noTerraform && process.env.REQUIRE_TERRAFORM_TIER === "1") {
    throw new Error(`terraform tier required (REQUIRE_TERRAFORM_TIER=1) but cannot run: ${noTerraform}`);
  }
  it.skipIf(noTerraform !== undefined)(
    "terraform destroy deletes the reader first, then drops the slot (terraform apply touches nothing)",
    async () => {
      if ("skipReason" in tier) return;
      // The slot exists from the previous test; its reader is the "connector".
      const reader = await startReader();
      const dir = mkdtempSync(join(tmpdir(), "cdc-lake-slot-tf-"));
      const json = lifecycleJson(server.port, { readerGoneTimeoutSeconds: 60 }, (scope) => {
        // Stands for the MSK Connect connector: deleting it stops its reader.
        return new DataResource(scope, "Connector", {
          input: { stands_for: "connector" },
          provisioners: [
            { type: "local-exec", when: "destroy", command: `kill ${reader.pid}; echo connector deleted` },
          ],
        });
      });
      writeFileSync(join(dir, "main.tf.json"), JSON.stringify(json));
      writeFileSync(join(dir, ".terraformrc"), "");
      const terraform = (...args: string[]) => {
        const result = spawnSync(tier.terraform, [...args, "-no-color"], {
          cwd: dir,
          encoding: "utf8",
          env: {
            PATH: [fakeBin, process.env.PATH].join(":"),
            HOME: dir,
            TF_CLI_CONFIG_FILE: join(dir, ".terraformrc"),
            CHECKPOINT_DISABLE: "1",
            TF_IN_AUTOMATION: "1",
            TF_INPUT: "0",
          },
        });
        return { code: result.status, output: `${result.stdout}${result.stderr}` };
      };
      try {
        const init = terraform("init", "-input=false");
        expect(init.code, init.output).toBe(0);
        const apply = terraform("apply", "-auto-approve", "-input=false");
        expect(apply.code, apply.output).toBe(0);
        expect(apply.output).toContain("Apply complete! Resources: 2 added");
        expect(apply.output).not.toContain("Provisioning with");
        expect((await slots()).map((s) => [s.slot_name, s.active])).toEqual([[slotName, true]]);

        const destroy = terraform("destroy", "-auto-approve", "-input=false");
        expect(destroy.code, destroy.output).toBe(0);
        const order = [
          destroy.output.indexOf("connector deleted"),
          destroy.output.indexOf("terraform_data.Connector: Destruction complete"),
          destroy.output.search(/terraform_data\.ReplicationSlot_[0-9A-F]{8}: Destroying/),
          destroy.output.indexOf(`slot ${slotName} is gone`),
        ];
        expect(
          order.every((i) => i >= 0),
          destroy.output,
        ).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(destroy.output).not.toContain(cdc.password);
        expect(await slots()).toEqual([]);
      } finally {
        reader.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
