import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeConnectorCommand, KafkaConnectClient } from "@aws-sdk/client-kafkaconnect";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { Naming } from "../../src/config/naming";
import { canaryTokenIn } from "../../src/verify/canary";
import { type CheckResult, result } from "../../src/verify/check";
import { readOutputsFile, verifyOutputsOf } from "../../src/verify/outputs";
import {
  exitCodeOf,
  jsonReport,
  runVerify,
  type SlotProbe,
  type SourceOperations,
  type VerifyRun,
  verdictTable,
} from "../../src/verify/run";
import type { SourceTarget } from "../../src/verify/source-target";
import { DEBEZIUM_ARN, demoOutputs, LAKE_BUCKET, MASTER_SECRET_ARN, SINK_ARN } from "./fixtures";
import { type S3StandIn, startS3 } from "./s3-stand-in";

const config = loadConfigFile("config/demo.yaml");
const naming = new Naming(config.project, config.environment);
const outputsFile = join(mkdtempSync(join(tmpdir(), "cdc-lake-verify-run-")), "outputs.json");
writeFileSync(outputsFile, JSON.stringify(demoOutputs()));
const outputs = verifyOutputsOf(readOutputsFile(outputsFile, naming), config, naming);

const T0 = Date.parse("2026-03-01T10:30:00Z");
const TOKEN = "canary-token-1";
const CANARY_TOPIC = "cdc-lake-demo.cdc.cdc_lake_canary";
const STUDENT_KEY =
  "cdc/cdc-lake-demo.public.student/year=2026/month=03/day=01/hour=10/cdc-lake-demo.public.student+0+0000000041.json";
const CANARY_KEY = `cdc/${CANARY_TOPIC}/year=2026/month=03/day=01/hour=10/${CANARY_TOPIC}+0+0000000003.json`;

const kafkaConnect = mockClient(KafkaConnectClient);
const logs = mockClient(CloudWatchLogsClient);
const athena = mockClient(AthenaClient);
afterAll(() => {
  kafkaConnect.restore();
  logs.restore();
  athena.restore();
});

describe("npm run verify's order of work (run.ts)", () => {
  let s3: S3StandIn;
  let t: number;
  let calls: string[];
  let progress: string[];
  /** What the sink does during the n-th wait. */
  let sink: (n: number) => void;
  let sleeps: number;

  beforeEach(async () => {
    s3 = await startS3([LAKE_BUCKET]);
    s3.put(LAKE_BUCKET, STUDENT_KEY, "{}\n", new Date(T0 - 600_000));
    kafkaConnect.reset();
    logs.reset();
    kafkaConnect.on(DescribeConnectorCommand).resolves({ connectorState: "RUNNING" });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: "SUCCEEDED" }, Statistics: { DataScannedInBytes: 812 } },
    });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        Rows: [
          {
            Data: [{ VarCharValue: "operation" }, { VarCharValue: "event_time" }, { VarCharValue: "token" }],
          },
          {
            Data: [
              { VarCharValue: "update" },
              { VarCharValue: "2026-03-01 10:30:00.000" },
              { VarCharValue: TOKEN },
            ],
          },
        ],
      },
    });
    t = T0;
    sleeps = 0;
    calls = [];
    progress = [];
    // By default the sink writes the canary's record during the second wait, 8 s after the write.
    sink = (n) => {
      if (n === 2)
        s3.put(
          LAKE_BUCKET,
          CANARY_KEY,
          `${JSON.stringify({ after: { id: 1, token: TOKEN } })}\n`,
          new Date(T0 + 8_000),
        );
    };
  });
  afterEach(async () => s3.close());

  const sourceOps = (overrides: Partial<SourceOperations> = {}): SourceOperations => ({
    checkSource: async (target: SourceTarget) => {
      calls.push(`checkSource ${target.name} ${target.admin.user}@${target.admin.host}:${target.admin.port}`);
      return [result("source", "slot", "pass", "slot cdc_lake_demo_slot active", { source: target.name })];
    },
    writeCanary: async (target: SourceTarget) => {
      calls.push(`writeCanary ${target.name}`);
      return { token: TOKEN, writtenAt: new Date(t), topic: CANARY_TOPIC };
    },
    canaryTokenIn,
    ...overrides,
  });
  const slot: SlotProbe = {
    walPosition: async () => "0/1A2B000",
    progress: async () => ({
      reached: false,
      line: "slot cdc_lake_demo_slot: active, confirmed 0/1900000 < 0/1A2B000: Debezium has not confirmed the canary",
    }),
  };
  const run = (extra: Partial<VerifyRun> = {}): Promise<CheckResult[]> =>
    runVerify({
      config,
      naming,
      outputs,
      clients: {
        kafkaConnect: new KafkaConnectClient({ region: "us-east-1" }),
        logs: new CloudWatchLogsClient({ region: "us-east-1" }),
        s3: s3.client,
        athena: new AthenaClient({ region: "us-east-1" }),
      },
      readSecret: async (id) => {
        calls.push(`secret ${id === MASTER_SECRET_ARN ? "master" : "cdc"}`);
        return JSON.stringify({
          username: id === MASTER_SECRET_ARN ? "msk_user" : "cdc_lake_demo_cdc",
          password: "pw",
        });
      },
      sourceOps: sourceOps(),
      slot,
      ssl: true,
      timeoutMs: 30_000,
      pollMs: 5_000,
      progress: (line) => progress.push(line),
      now: () => t,
      sleep: async (ms) => {
        sleeps += 1;
        sink(sleeps);
        t += ms;
      },
      ...extra,
    });

  it("runs source, connectors, lake, end to end in that order, and holds (exit 0)", async () => {
    const results = await run();
    expect(results.map((r) => `${r.stage} ${r.check} ${r.source ?? "-"} ${r.verdict}`)).toEqual([
      "source credentials managed pass",
      "source slot managed pass",
      "connectors connector-state managed pass",
      "connectors connector-state - pass",
      "lake lake-objects managed pass",
      "lake lake-objects managed warn",
      "end-to-end canary-arrival managed pass",
      "end-to-end canary-query managed pass",
    ]);
    expect(calls).toEqual([
      "secret master",
      "secret cdc",
      "checkSource managed msk_user@cdc-lake-demo-postgres.c0a1b2c3d4e5.us-east-1.rds.amazonaws.com:5432",
      "writeCanary managed",
    ]);
    expect(
      kafkaConnect.commandCalls(DescribeConnectorCommand).map((c) => c.args[0].input.connectorArn),
    ).toEqual([DEBEZIUM_ARN, SINK_ARN]);
    expect(progress).toEqual([
      "verify [1/4] source: 1 source(s)",
      "  managed: checking cdc-lake-demo-postgres.c0a1b2c3d4e5.us-east-1.rds.amazonaws.com:5432/msk_db",
      "verify [2/4] connectors: cdc-lake-demo-debezium-source, cdc-lake-demo-s3-sink",
      `verify [3/4] lake: 2 topic(s) in s3://${LAKE_BUCKET}`,
      "verify [4/4] end to end: a canary per source, awaited up to 30 s each",
      "  managed: writing a canary row",
      `  managed: canary ${TOKEN} written; awaiting it under topic ${CANARY_TOPIC}`,
      `  managed: reading canary ${TOKEN} back with Athena (workgroup cdc-lake-demo-lake)`,
    ]);
    // The canary's own folder and token, in the canary table's changes view, in the pipeline's workgroup.
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueryString:
          'SELECT "operation", "event_time", element_at("after", \'token\') AS "token"\n' +
          'FROM "cdc_lake_demo_lake"."cdc_lake_demo_cdc_cdc_lake_canary_changes"\n' +
          `WHERE "year" = '2026' AND "month" = '03' AND "day" = '01' AND "hour" = '10' AND element_at("after", 'token') = '${TOKEN}'`,
        WorkGroup: "cdc-lake-demo-lake",
        QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: "cdc_lake_demo_lake" },
      },
    ]);
    expect(results.at(-1)?.detail).toBe(
      `canary ${TOKEN} read back with Athena: update in cdc_lake_demo_lake.cdc_lake_demo_cdc_cdc_lake_canary_changes, ` +
        "folder year=2026/month=03/day=01/hour=10, workgroup cdc-lake-demo-lake (812 B scanned in 0 ms)",
    );
    expect(results.at(-2)?.detail).toBe(
      `canary ${TOKEN} reached s3://${LAKE_BUCKET}/cdc/${CANARY_TOPIC}/ in 10.0 s (year=2026/month=03/day=01/hour=10/${CANARY_TOPIC}+0+0000000003.json)`,
    );
    expect(exitCodeOf(results)).toBe(0);

    const json = JSON.parse(jsonReport(results));
    expect(json.summary).toEqual({ checks: 8, pass: 7, warn: 1, fail: 0, skip: 0, holds: true });
    expect(json.results[6].data.latencyMs).toBe(10_000);

    const table = verdictTable(results).split("\n");
    expect(table[0]).toBe("STAGE       CHECK            SOURCE   VERDICT  DETAIL");
    expect(table[1]).toBe(
      "source      credentials      managed  PASS     admin msk_user and CDC cdc_lake_demo_cdc logins read from Secrets Manager; " +
        "connecting to cdc-lake-demo-postgres.c0a1b2c3d4e5.us-east-1.rds.amazonaws.com:5432, database msk_db",
    );
    // A warning shows its fix, indented under the detail.
    expect(table[7]).toBe(
      `${" ".repeat(47)}fix: none needed before verify's first end-to-end step, which writes one; later, see that step's result`,
    );
    expect(table.at(-2)).toBe(
      "verify: 8 checks: 7 pass, 1 warn, 0 fail, 0 skip: the pipeline holds (exit 0)",
    );
  });

  it("skips end to end when a connector is not RUNNING, and does not hold (exit 1)", async () => {
    kafkaConnect
      .on(DescribeConnectorCommand, { connectorArn: DEBEZIUM_ARN })
      .resolves({ connectorState: "FAILED" });
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ message: "ERROR Connection refused: cdc-lake-demo-postgres:5432", timestamp: T0 }],
    });
    const results = await run();
    expect(results.map((r) => r.verdict)).toEqual([
      "pass",
      "pass",
      "fail",
      "pass",
      "pass",
      "warn",
      "skip",
      "skip",
    ]);
    expect(results.at(-1)).toMatchObject({ check: "canary-query", verdict: "skip" });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
    expect(results.at(-2)).toEqual({
      stage: "end-to-end",
      check: "canary-arrival",
      verdict: "skip",
      source: "managed",
      detail: "source managed: not attempted, its Debezium connector is not RUNNING (see connectors)",
      fix: "fix the failures above, then run verify again",
    });
    expect(calls).not.toContain("writeCanary managed");
    expect(exitCodeOf(results)).toBe(1);
    const table = verdictTable(results);
    expect(table).toContain(
      "\n                                                 ERROR Connection refused: cdc-lake-demo-postgres:5432\n",
    );
    expect(table.trimEnd().split("\n").at(-1)).toBe(
      "verify: 8 checks: 4 pass, 1 warn, 1 fail, 2 skip: the pipeline does NOT hold (exit 1)",
    );
  });

  it("fails end to end when the canary row cannot be written, with the fix", async () => {
    const results = await run({
      sourceOps: sourceOps({
        writeCanary: async () => {
          throw Object.assign(new Error('relation "cdc.cdc_lake_canary" does not exist'), { name: "error" });
        },
      }),
    });
    expect(results.at(-2)).toEqual({
      stage: "end-to-end",
      check: "canary-write",
      verdict: "fail",
      source: "managed",
      detail:
        'source managed: writing the canary row in cdc.cdc_lake_canary failed (error: relation "cdc.cdc_lake_canary" does not exist)',
      fix: "apply the database stack (npm run deploy -- apply demo-database), which creates cdc.cdc_lake_canary, then run verify again",
    });
  });

  it("reports how far the canary got at the deadline: the slot, the connectors, S3", async () => {
    sink = () => {};
    const results = await run();
    const last = results.at(-2);
    expect(results.at(-1)).toMatchObject({ check: "canary-query", verdict: "skip" });
    expect(last?.verdict).toBe("fail");
    expect(last?.detail).toBe(
      `canary ${TOKEN} not under s3://${LAKE_BUCKET}/cdc/${CANARY_TOPIC}/ 30 s after it was written; ` +
        "slot cdc_lake_demo_slot: active, confirmed 0/1900000 < 0/1A2B000: Debezium has not confirmed the canary; " +
        "connectors now: debezium-source RUNNING, s3-sink RUNNING; S3: no object under the canary's prefix at all",
    );
    expect(last?.fix).toBe(
      "Debezium has not confirmed the canary's change: see the source checks (slot active, lag) and its connector's log group",
    );
    expect(exitCodeOf(results)).toBe(1);
  });

  it("skips a source's checks and canary when its logins cannot be read", async () => {
    const results = await run({
      readSecret: async () => {
        throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
          name: "ResourceNotFoundException",
        });
      },
    });
    expect(results.map((r) => `${r.stage} ${r.check} ${r.verdict}`)).toEqual([
      "source credentials fail",
      "connectors connector-state pass",
      "connectors connector-state pass",
      "lake lake-objects pass",
      "lake lake-objects warn",
      "end-to-end canary-arrival skip",
      "end-to-end canary-query skip",
    ]);
    expect(results.at(-2)?.detail).toBe("source managed: not attempted, its logins were not read");
    expect(calls).toEqual([]);
  });

  it("fails the source stage when its checks stop with an error", async () => {
    const results = await run({
      sourceOps: sourceOps({
        checkSource: async () => {
          throw new Error("connect ECONNREFUSED 10.0.0.5:5432");
        },
      }),
    });
    expect(results[1]).toEqual({
      stage: "source",
      check: "source-checks",
      verdict: "fail",
      source: "managed",
      detail: "source managed: the checks stopped (Error: connect ECONNREFUSED 10.0.0.5:5432)",
      fix: "see the error; docs/runbook.md, section source-checks",
    });
  });
});
