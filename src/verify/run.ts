/**
 * `npm run verify`'s order of work, in pipeline order: per source its logins and checks (source-checks.ts),
 * the connectors, the lake, then end to end (per source: a canary row written, awaited in S3, then read back
 * through Athena when the lake is queryable). A
 * progress line per step goes to `progress` (stderr); the results come back for the verdict table (stdout) or
 * --json. What does what lives in the modules named here; this file only orders them.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { KafkaConnectClient } from "@aws-sdk/client-kafkaconnect";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Naming } from "../config/naming";
import type { PipelineConfig } from "../config/pipeline-config";
import { CANARY_TABLE } from "../sql/capture-sql";
import { awsErrorText } from "./aws-error";
import { type ArrivalOptions, awaitCanary, type CanaryWrite, type HowFar } from "./canary-arrival";
import { type CheckResult, holds, result, type Verdict } from "./check";
import { type ConnectorTarget, checkConnectors } from "./connector-checks";
import { checkLake, type LakeTopic } from "./lake-checks";
import { queryCanary } from "./lake-query";
import { sourceKey, type VerifyOutputs } from "./outputs";
import { currentWalLsn, slotProgress } from "./slot-progress";
import type { SourceTarget } from "./source-target";
import { type ResolvedSource, resolveSources, type SecretReader } from "./targets";

/** What happens inside a source: source-checks.ts and canary.ts. */
export interface SourceOperations {
  checkSource(target: SourceTarget): Promise<CheckResult[]>;
  writeCanary(target: SourceTarget): Promise<CanaryWrite>;
  canaryTokenIn(text: string, token: string): boolean;
}

/** Where the slot stands against the canary (slot-progress.ts; replaced in tests without a server). */
export interface SlotProbe {
  walPosition(target: SourceTarget): Promise<string>;
  progress(target: SourceTarget, lsn: string): Promise<{ reached: boolean | undefined; line: string }>;
}

export interface VerifyRun {
  readonly config: PipelineConfig;
  readonly naming: Naming;
  readonly outputs: VerifyOutputs;
  readonly clients: {
    readonly kafkaConnect: KafkaConnectClient;
    readonly logs: CloudWatchLogsClient;
    readonly s3: S3Client;
    /** For the canary's read-back through the lake's catalog (with query.enabled). */
    readonly athena: AthenaClient;
  };
  readonly readSecret: SecretReader;
  readonly sourceOps: SourceOperations;
  readonly slot?: SlotProbe | undefined;
  /** Require TLS to PostgreSQL (the default); off only for a local test server. */
  readonly ssl: boolean;
  /** How long each canary is awaited. */
  readonly timeoutMs: number;
  readonly pollMs?: number | undefined;
  readonly progress: (line: string) => void;
  readonly now?: (() => number) | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** The slot probe of a real server: the admin login, as the database stack connects. */
export function pgSlotProbe(ssl: boolean): SlotProbe {
  return {
    walPosition: (target) => currentWalLsn(target.admin, ssl),
    progress: (target, lsn) => slotProgress(target.admin, ssl, target.config.capture.slotName, lsn),
  };
}

export async function runVerify(run: VerifyRun): Promise<CheckResult[]> {
  const { config, naming, outputs, progress } = run;
  const results: CheckResult[] = [];

  // 1. Source: logins, then source-checks.ts per source.
  progress(`verify [1/4] source: ${config.sources.length} source(s)`);
  const resolved = await resolveSources(config, outputs, run.readSecret, { naming, ssl: run.ssl });
  for (const source of resolved) {
    results.push(source.result);
    if (!source.target) {
      progress(`  ${source.name}: logins not read; its source checks are skipped`);
      continue;
    }
    progress(
      `  ${source.name}: checking ${source.target.admin.host}:${source.target.admin.port}/${source.target.admin.database}`,
    );
    try {
      results.push(...(await run.sourceOps.checkSource(source.target)));
    } catch (error) {
      results.push(
        result(
          "source",
          "source-checks",
          "fail",
          `source ${source.name}: the checks stopped (${errorText(error)})`,
          {
            source: source.name,
            fix: "see the error; docs/runbook.md, section source-checks",
          },
        ),
      );
    }
  }

  // 2. Connectors: one Debezium per source, then the sink.
  const connectors = connectorTargets(config, naming, outputs);
  progress(`verify [2/4] connectors: ${connectors.map((c) => c.name).join(", ")}`);
  const connectorResults = await checkConnectors(connectors, run.clients, {
    connectorsStack: naming.stack("connectors"),
    now: run.now,
  });
  results.push(...connectorResults);

  // 3. Lake: every change topic the connectors stack declared.
  const topics = lakeTopics(config, outputs);
  progress(`verify [3/4] lake: ${topics.length} topic(s) in s3://${outputs.bucket}`);
  results.push(
    ...(await checkLake(topics, run.clients.s3, outputs.bucket, {
      platformStack: naming.stack("platform"),
      now: run.now,
    })),
  );

  // 4. End to end, per source: a canary row, awaited in the lake.
  progress(
    `verify [4/4] end to end: a canary per source, awaited up to ${Math.round(run.timeoutMs / 1000)} s each`,
  );
  const sinkRunning = connectorResults.find((_, i) => connectors[i]?.kind === "s3-sink")?.verdict === "pass";
  for (const source of resolved) {
    const arrival = await endToEnd(run, source, connectors, connectorResults, sinkRunning);
    results.push(arrival);
    const query = run.outputs.lakeQuery;
    if (query) results.push(await readBack(run, source, query, arrival));
  }
  return results;
}

/** The canary that reached S3, read back with Athena (lake-query.ts); skipped when it did not arrive. */
async function readBack(
  run: VerifyRun,
  source: ResolvedSource,
  query: { readonly database: string; readonly workgroup: string },
  arrival: CheckResult,
): Promise<CheckResult> {
  const key = arrival.data?.key;
  const token = arrival.data?.token;
  const topic = arrival.data?.topic;
  if (
    arrival.verdict !== "pass" ||
    typeof key !== "string" ||
    typeof token !== "string" ||
    typeof topic !== "string"
  )
    return result(
      "end-to-end",
      "canary-query",
      "skip",
      `source ${source.name}: not attempted, the canary did not reach S3`,
      {
        source: source.name,
        fix: "see canary-arrival above",
      },
    );
  run.progress(`  ${source.name}: reading canary ${token} back with Athena (workgroup ${query.workgroup})`);
  return queryCanary({
    athena: run.clients.athena,
    database: query.database,
    workgroup: query.workgroup,
    view: run.naming.lakeView(topic, "changes"),
    objectKey: key,
    token,
    source: source.name,
    timeoutMs: run.timeoutMs,
    now: run.now,
    sleep: run.sleep,
  });
}

async function endToEnd(
  run: VerifyRun,
  source: ResolvedSource,
  connectors: readonly ConnectorTarget[],
  connectorResults: readonly CheckResult[],
  sinkRunning: boolean,
): Promise<CheckResult> {
  const skip = (detail: string) =>
    result("end-to-end", "canary-arrival", "skip", detail, {
      source: source.name,
      fix: "fix the failures above, then run verify again",
    });
  if (!source.target) return skip(`source ${source.name}: not attempted, its logins were not read`);
  const debezium = connectorResults.find(
    (_, i) => connectors[i]?.kind === "debezium-source" && connectors[i]?.source === source.name,
  );
  if (debezium?.verdict !== "pass" || !sinkRunning) {
    const which = debezium?.verdict !== "pass" ? "its Debezium connector" : "the S3 sink";
    return skip(`source ${source.name}: not attempted, ${which} is not RUNNING (see connectors)`);
  }
  const target = source.target;
  run.progress(`  ${source.name}: writing a canary row`);
  let canary: CanaryWrite;
  try {
    canary = await run.sourceOps.writeCanary(target);
  } catch (error) {
    const table = `${target.config.capture.heartbeatSchema}.${CANARY_TABLE}`;
    return result(
      "end-to-end",
      "canary-write",
      "fail",
      `source ${source.name}: writing the canary row in ${table} failed (${errorText(error)})`,
      {
        source: source.name,
        fix: `apply the database stack (npm run deploy -- apply ${run.naming.stack("database")}), which creates ${table}, then run verify again`,
      },
    );
  }
  const slot = run.slot;
  const lsn = slot ? await slot.walPosition(target).catch(() => undefined) : undefined;
  run.progress(`  ${source.name}: canary ${canary.token} written; awaiting it under topic ${canary.topic}`);
  const howFar = async (): Promise<HowFar> => {
    const lines: string[] = [];
    let reached: boolean | undefined;
    if (slot && lsn) {
      const progress = await slot.progress(target, lsn).catch((error) => ({
        reached: undefined,
        line: `slot: not read (${errorText(error)})`,
      }));
      lines.push(progress.line);
      reached = progress.reached;
    }
    const ours = connectors.filter((c) => c.kind === "s3-sink" || c.source === source.name);
    const states = await checkConnectors(ours, run.clients, {
      connectorsStack: run.naming.stack("connectors"),
      now: run.now,
    });
    lines.push(
      `connectors now: ${states.map((r, i) => `${ours[i]?.kind} ${String(r.data?.state ?? r.verdict)}`).join(", ")}`,
    );
    const fix =
      reached === false
        ? "Debezium has not confirmed the canary's change: see the source checks (slot active, lag) and its connector's log group"
        : reached === true
          ? "Debezium read the change; the S3 sink has not written it: see the s3-sink connector's log group (S3 access, VPC endpoint)"
          : undefined;
    return { lines, fix };
  };
  const options: ArrivalOptions = {
    s3: run.clients.s3,
    bucket: run.outputs.bucket,
    canary,
    source: source.name,
    canaryTokenIn: run.sourceOps.canaryTokenIn,
    timeoutMs: run.timeoutMs,
    pollMs: run.pollMs,
    howFar,
    progress: run.progress,
    now: run.now,
    sleep: run.sleep,
  };
  return awaitCanary(options);
}

/** Each source's Debezium connector, then the sink, as the connectors stack names and outputs them. */
export function connectorTargets(
  config: PipelineConfig,
  naming: Naming,
  outputs: VerifyOutputs,
): ConnectorTarget[] {
  return [
    ...config.sources.map((s) => ({
      kind: "debezium-source",
      name: naming.connector("debezium-source", s.name),
      source: sourceKey(s.name),
      arn: outputs.debeziumConnectorArns[sourceKey(s.name)],
      logGroup: naming.connectorLogGroup("debezium-source", s.name),
    })),
    {
      kind: "s3-sink",
      name: naming.connector("s3-sink"),
      arn: outputs.sinkConnectorArn,
      logGroup: naming.connectorLogGroup("s3-sink"),
    },
  ];
}

/** The change topics with their source (by topic prefix, longest first) and table. */
export function lakeTopics(config: PipelineConfig, outputs: VerifyOutputs): LakeTopic[] {
  const sources = [...config.sources].sort(
    (a, b) => b.capture.topicPrefix.length - a.capture.topicPrefix.length,
  );
  return outputs.changeTopics.map((topic) => {
    const source = sources.find((s) => topic.startsWith(`${s.capture.topicPrefix}.`));
    if (!source) return { topic, canary: false };
    const table = topic.slice(source.capture.topicPrefix.length + 1);
    return {
      topic,
      source: sourceKey(source.name),
      table,
      canary: table === `${source.capture.heartbeatSchema}.${CANARY_TABLE}`,
    };
  });
}

function errorText(error: unknown): string {
  return awsErrorText(error);
}

/** Counts per verdict, and whether verify holds (exit 0). */
export function summaryOf(results: readonly CheckResult[]) {
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  return {
    checks: results.length,
    pass: count("pass"),
    warn: count("warn"),
    fail: count("fail"),
    skip: count("skip"),
    holds: holds(results),
  };
}

/** 0 only when every result passes or warns. */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 {
  return holds(results) ? 0 : 1;
}

/** `--json`: the results and the summary, for CI. */
export function jsonReport(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ results, summary: summaryOf(results) }, null, 2)}\n`;
}

/** The verdict table: one row per check, its detail's further lines and its fix indented below. */
export function verdictTable(results: readonly CheckResult[]): string {
  const header = ["STAGE", "CHECK", "SOURCE", "VERDICT", "DETAIL"];
  const rows = results.map((r) => [r.stage, r.check, r.source ?? "-", r.verdict.toUpperCase(), r.detail]);
  const widths = header
    .slice(0, 4)
    .map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const pad = (cells: readonly string[]) =>
    cells
      .slice(0, 4)
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ");
  const indent = " ".repeat(widths.reduce((a, b) => a + b + 2, 0));
  const lines = [`${pad(header)}  DETAIL`];
  results.forEach((r, i) => {
    const [first, ...more] = r.detail.split("\n");
    lines.push(`${pad(rows[i] ?? [])}  ${first}`);
    for (const line of more) lines.push(`${indent}${line.trimStart() === line ? line : `  ${line.trim()}`}`);
    if (r.fix && r.verdict !== "pass") lines.push(`${indent}fix: ${r.fix}`);
  });
  const s = summaryOf(results);
  lines.push(
    "",
    `verify: ${s.checks} checks: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip: ${s.holds ? "the pipeline holds" : "the pipeline does NOT hold"} (exit ${s.holds ? 0 : 1})`,
  );
  return `${lines.join("\n")}\n`;
}
