/**
 * One full passing `npm run verify` (the CLI, as a child process) against a real PostgreSQL 15 with the
 * demo's database stack applied, over TLS as the stack connects (sslmode=require), with local stand-ins for
 * AWS: Secrets Manager holds the master's and the CDC role's logins, MSK Connect says RUNNING, the lake
 * is a local S3, and Athena is DuckDB over it, through the lake's views (athena-on-duckdb.ts). Debezium and the S3 sink are stood in for by a reader of the pipeline's own slot: it
 * consumes the slot's pgoutput changes (confirming them, as Debezium does) and writes each captured row's
 * change, as Debezium's JSON envelope, where the sink writes its topic (`cdc/<topic>/year=…/hour=…/`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { changeTopic } from "../../src/kafka-connect/topics";
import { hourPartition } from "../../src/verify/canary-arrival";
import { describeWithPostgres } from "../support/pg-tier";
import { type Column, decodeChanges } from "../support/pgoutput";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  applyDatabaseStack,
  captureSqlStep,
  createSlotAsDebezium,
  emulateRds,
  runCaptureSql,
  tlsLikeRds,
} from "../support/rds-emulation";
import { DEMO_CONFIG, managedCapture, managedDatabase, synthesize } from "../support/synth";
import { athenaOnDuckdb } from "./athena-on-duckdb";
import { type AwsStandIn, startAws } from "./aws-stand-in";
import { offlineAwsEnv, runVerifyCli } from "./cli-run";
import {
  CDC_SECRET_ARN,
  DEBEZIUM_ARN,
  demoOutputs,
  LAKE_BUCKET,
  MASTER_SECRET_ARN,
  SINK_ARN,
} from "./fixtures";
import { type S3StandIn, startS3 } from "./s3-stand-in";

const config = loadConfigFile(DEMO_CONFIG);
const capture = managedCapture(config);
const database = managedDatabase(config);

/**
 * Debezium and the sink, stood in for: each round takes the slot's changes (pg_logical_slot_get_binary_changes
 * confirms them, moving confirmed_flush_lsn as Debezium's commits do) and writes one object per table changed.
 */
function startSlotReader(
  server: ThrowawayPostgres,
  cdc: ConnectionParams,
  s3: S3StandIn,
): { stop(): Promise<void> } {
  let offset = 0;
  let running = true;
  const round = async () => {
    const rows = await withClient(server, cdc, (c) =>
      c.query<{ data: Buffer }>(
        "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
        [capture.slotName, capture.publicationName],
      ),
    );
    const byTopic = new Map<string, string[]>();
    for (const change of decodeChanges(rows.rows.map((r) => r.data))) {
      const topic = changeTopic(capture.topicPrefix, change.relation);
      const row = (r: Record<string, Column> | undefined) =>
        r ? Object.fromEntries(Object.entries(r)) : null;
      const envelope =
        change.kind === "delete"
          ? { before: row(change.oldRow), after: null, op: "d" }
          : {
              before: change.kind === "update" ? row(change.oldRow) : null,
              after: row(change.newRow),
              op: change.kind === "insert" ? "c" : "u",
            };
      const line = JSON.stringify({
        ...envelope,
        source: { connector: "postgresql", schema: change.relation.schema, table: change.relation.table },
        ts_ms: Date.now(),
      });
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), line]);
    }
    for (const [topic, lines] of byTopic) {
      const key = `cdc/${topic}/${hourPartition(new Date())}/${topic}+0+${String(offset).padStart(10, "0")}.json`;
      offset += lines.length;
      s3.put(LAKE_BUCKET, key, `${lines.join("\n")}\n`);
    }
  };
  const loop = (async () => {
    while (running) {
      await round();
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describeWithPostgres("npm run verify on PostgreSQL: the demo pipeline holds end to end", (bin) => {
  const synthesized = synthesize(config);
  const stack = synthesized.stacks["demo-database"] ?? {};
  const tls = tlsLikeRds();
  let server: ThrowawayPostgres;
  let master: ConnectionParams;
  let cdc: ConnectionParams;
  let aws: AwsStandIn;
  let s3: S3StandIn;
  let reader: { stop(): Promise<void> } | undefined;
  let dir: string;

  beforeAll(async () => {
    server = await ThrowawayPostgres.start(bin, tls.settings);
    master = await emulateRds(server, database.masterUsername, database.databaseName);
    const sql = runCaptureSql(captureSqlStep(stack), master);
    if (sql.code !== 0) throw new Error(`capture SQL failed:\n${sql.output}`);
    cdc = await applyDatabaseStack(server, master, stack, capture.cdcRoleName);
    // Debezium creates its slot when it first starts, as the CDC role.
    await createSlotAsDebezium(cdc, capture.slotName);

    aws = await startAws();
    aws.state.secrets.set(
      MASTER_SECRET_ARN,
      JSON.stringify({ username: master.user, password: master.password }),
    );
    aws.state.secrets.set(CDC_SECRET_ARN, JSON.stringify({ username: cdc.user, password: cdc.password }));
    aws.state.connectors.set(DEBEZIUM_ARN, "RUNNING");
    aws.state.connectors.set(SINK_ARN, "RUNNING");
    s3 = await startS3([LAKE_BUCKET]);
    aws.state.athena = athenaOnDuckdb(config, s3, LAKE_BUCKET);
    dir = mkdtempSync(join(tmpdir(), "cdc-lake-verify-pg-"));
    writeFileSync(
      join(dir, "outputs.json"),
      JSON.stringify(demoOutputs({ address: "127.0.0.1", port: server.port })),
    );

    // An application change before verify: the student topic has an object, as after Debezium's snapshot.
    await withClient(server, master, (c) => c.query("INSERT INTO public.student (name) VALUES ('Ada')"));
    reader = startSlotReader(server, cdc, s3);
  });
  afterAll(async () => {
    await reader?.stop();
    await aws?.close();
    await s3?.close();
    server?.stop();
    tls.cleanup();
    synthesized.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes every stage, and the canary written in the source reaches the lake (exit 0)", async () => {
    const run = await runVerifyCli(
      ["--env", "demo", "--outputs", join(dir, "outputs.json"), "--json", "--timeout", "60", "--poll", "0.5"],
      offlineAwsEnv({ AWS_ENDPOINT_URL: aws.endpoint, AWS_ENDPOINT_URL_S3: s3.endpoint }),
    );
    const report = JSON.parse(run.stdout);
    const rows = report.results.map((r: any) => `${r.stage} ${r.check} ${r.verdict}`);
    expect(run.code, `${rows.join("\n")}\n${run.stderr}`).toBe(0);
    expect(rows[0]).toBe("source credentials pass");
    expect(report.results.filter((r: any) => r.verdict !== "pass" && r.verdict !== "warn")).toEqual([]);
    expect(rows.slice(-6)).toEqual([
      "connectors connector-state pass",
      "connectors connector-state pass",
      "lake lake-objects pass",
      "lake lake-objects warn",
      "end-to-end canary-arrival pass",
      "end-to-end canary-query pass",
    ]);
    // The source checks ran against the real server, and saw what the database stack made.
    const checks = report.results.filter((r: any) => r.stage === "source").map((r: any) => r.check);
    expect(checks).toEqual(expect.arrayContaining(["admin-login", "slot", "publication", "cdc-login"]));

    const arrival = report.results.at(-2);
    const canaryTopic = `${capture.topicPrefix}.${capture.heartbeatSchema}.cdc_lake_canary`;
    expect(arrival.detail).toMatch(
      new RegExp(
        `^canary [0-9a-f-]{36} reached s3://${LAKE_BUCKET}/cdc/${canaryTopic.replaceAll(".", "\\.")}/ in `,
      ),
    );
    expect(arrival.data.latencyMs).toBeGreaterThan(0);
    expect(arrival.data.latencyMs).toBeLessThan(60_000);
    // The token verify wrote is the canary row's in the source, and only the canary table was written.
    const token = /^canary ([0-9a-f-]{36})/.exec(arrival.detail)?.[1];
    const canary = await withClient(server, master, (c) =>
      c.query(`SELECT id, token FROM ${capture.heartbeatSchema}.cdc_lake_canary`),
    );
    expect(canary.rows).toEqual([{ id: 1, token }]);
    // Read back through the canary's changes view, in the canary object's folder, by that token.
    const query = report.results.at(-1);
    expect(query.detail).toMatch(
      new RegExp(
        `^canary ${token} read back with Athena: insert in cdc_lake_demo_lake\\.cdc_lake_demo_cdc_cdc_lake_canary_changes, ` +
          `folder ${arrival.data.key.split("/").slice(2, 6).join("/")}, workgroup cdc-lake-demo-lake \\(`,
      ),
    );
    expect(aws.calls.filter((c) => c.startsWith("StartQueryExecution"))).toEqual([
      "StartQueryExecution cdc-lake-demo-lake cdc_lake_demo_lake",
    ]);
    const students = await withClient(server, master, (c) => c.query("SELECT name FROM public.student"));
    expect(students.rows).toEqual([{ name: "Ada" }]);
    expect(summaryLine(run.stderr)).toBe(
      "verify [4/4] end to end: a canary per source, awaited up to 60 s each",
    );
  });
});

function summaryLine(stderr: string): string | undefined {
  return stderr.split("\n").find((l) => l.startsWith("verify [4/4]"));
}
