/**
 * `npm run verify` as a child process, with every AWS API it calls at local stand-ins reached through the
 * SDK's standard endpoint overrides (AWS_ENDPOINT_URL for MSK Connect, CloudWatch Logs and Secrets Manager;
 * AWS_ENDPOINT_URL_S3 for the lake), and the source at a closed local port: the AWS stages pass, the source
 * stages fail, and the exit code, --json and the table say so.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsStandIn, startAws } from "./aws-stand-in";
import { offlineAwsEnv, PROJECT_ROOT, runVerifyCli } from "./cli-run";
import {
  CDC_SECRET_ARN,
  DEBEZIUM_ARN,
  demoOutputs,
  LAKE_BUCKET,
  MASTER_SECRET_ARN,
  SINK_ARN,
} from "./fixtures";
import { type S3StandIn, startS3 } from "./s3-stand-in";

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const STUDENT_KEY =
  "cdc/cdc-lake-demo.public.student/year=2026/month=03/day=01/hour=10/cdc-lake-demo.public.student+0+0000000041.json";
const DEBEZIUM_LOGS = "/cdc-lake/demo/msk-connect/debezium-source";

describe("npm run verify (scripts/verify.ts) against local AWS stand-ins", () => {
  let aws: AwsStandIn;
  let s3: S3StandIn;
  let dir: string;
  let outputsFile: string;
  let port: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    aws = await startAws();
    s3 = await startS3([LAKE_BUCKET]);
    dir = mkdtempSync(join(tmpdir(), "cdc-lake-verify-cli-"));
    port = await closedPort();
    outputsFile = join(dir, "outputs.json");
    writeFileSync(outputsFile, JSON.stringify(demoOutputs({ address: "127.0.0.1", port })));
    aws.state.secrets.set(
      MASTER_SECRET_ARN,
      JSON.stringify({ username: "msk_user", password: "master-pw-7" }),
    );
    aws.state.secrets.set(
      CDC_SECRET_ARN,
      JSON.stringify({ username: "cdc_lake_demo_cdc", password: "cdc-pw-8" }),
    );
    aws.state.connectors.set(DEBEZIUM_ARN, "RUNNING");
    aws.state.connectors.set(SINK_ARN, "RUNNING");
    s3.put(LAKE_BUCKET, STUDENT_KEY, "{}\n");
    env = offlineAwsEnv({ AWS_ENDPOINT_URL: aws.endpoint, AWS_ENDPOINT_URL_S3: s3.endpoint });
  });
  afterAll(async () => {
    await aws?.close();
    await s3?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("--json: the AWS stages pass through the endpoint overrides, the unreachable source fails, exit 1", async () => {
    const run = await runVerifyCli(["--env", "demo", "--outputs", outputsFile, "--json", "--no-ssl"], env);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    const rows = report.results.map((r: any) => `${r.stage} ${r.check} ${r.source ?? "-"} ${r.verdict}`);
    expect(rows[0]).toBe("source credentials managed pass");
    expect(rows.slice(-6)).toEqual([
      "connectors connector-state managed pass",
      "connectors connector-state - pass",
      "lake lake-objects managed pass",
      "lake lake-objects managed warn",
      "end-to-end canary-write managed fail",
      "end-to-end canary-query managed skip",
    ]);
    // Between them, the source checks: none passes on a closed port.
    const source = report.results.slice(1, -6);
    expect(source.length).toBeGreaterThan(0);
    expect(
      source.every((r: any) => r.stage === "source" && (r.verdict === "fail" || r.verdict === "skip")),
    ).toBe(true);
    expect(report.results.at(-2).detail).toMatch(
      /^source managed: writing the canary row in cdc\.cdc_lake_canary failed \(Error: connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/,
    );
    expect(report.summary).toMatchObject({ holds: false, pass: 4, warn: 1 });
    // Each service answered from its stand-in: the overrides reached every client.
    expect(aws.calls).toEqual([
      `GetSecretValue ${MASTER_SECRET_ARN}`,
      `GetSecretValue ${CDC_SECRET_ARN}`,
      `DescribeConnector ${DEBEZIUM_ARN}`,
      `DescribeConnector ${SINK_ARN}`,
    ]);
    expect(
      s3.requests.filter((r) => r.startsWith(`GET /${LAKE_BUCKET}/?`) && r.includes("list-type=2")).length,
    ).toBeGreaterThan(0);
    // Progress on stderr, in pipeline order; never a password.
    const steps = run.stderr.split("\n").filter((l) => l.startsWith("verify"));
    expect(steps).toEqual([
      `verify: cdc-lake-demo (${join("config", "demo.yaml")})`,
      "verify [1/4] source: 1 source(s)",
      "verify [2/4] connectors: cdc-lake-demo-debezium-source, cdc-lake-demo-s3-sink",
      `verify [3/4] lake: 2 topic(s) in s3://${LAKE_BUCKET}`,
      "verify [4/4] end to end: a canary per source, awaited up to 300 s each",
    ]);
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain("master-pw-7");
      expect(text).not.toContain("cdc-pw-8");
    }
  });

  it("table: a FAILED connector with its newest ERROR lines and fix; end to end skipped", async () => {
    aws.calls.length = 0;
    aws.state.connectors.set(DEBEZIUM_ARN, "FAILED");
    aws.state.logs.set(DEBEZIUM_LOGS, [
      '[Worker-0] ERROR Postgres connection failed: FATAL: password authentication failed for user "cdc_lake_demo_cdc"',
    ]);
    try {
      const run = await runVerifyCli(
        ["--config", "config/demo.yaml", "--outputs", outputsFile, "--no-ssl"],
        env,
      );
      expect(run.code, run.stderr).toBe(1);
      const lines = run.stdout.split("\n");
      // The columns are as wide as their longest cell (the source checks' names decide CHECK's).
      expect(lines[0]).toMatch(/^STAGE {7}CHECK +SOURCE {3}VERDICT {2}DETAIL$/);
      const detailAt = lines[0]?.indexOf("DETAIL") ?? -1;
      const cells = (line: string) => [...line.slice(0, detailAt).trim().split(/ +/), line.slice(detailAt)];
      const failed = lines.findIndex((l) => l.startsWith("connectors") && l.includes("FAIL"));
      expect(cells(lines[failed] ?? "")).toEqual([
        "connectors",
        "connector-state",
        "managed",
        "FAIL",
        "debezium-source cdc-lake-demo-debezium-source is FAILED; newest ERROR lines of /cdc-lake/demo/msk-connect/debezium-source:",
      ]);
      // The log lines and the fix, under the detail.
      expect(lines[failed + 1]).toBe(
        `${" ".repeat(detailAt + 2)}[Worker-0] ERROR Postgres connection failed: FATAL: password authentication failed for user "cdc_lake_demo_cdc"`,
      );
      expect(
        lines[failed + 2]?.startsWith(
          `${" ".repeat(detailAt)}fix: credentials: the CDC secret does not match the role's password`,
        ),
      ).toBe(true);
      const skipped = lines.find((l) => l.startsWith("end-to-end"));
      expect(cells(skipped ?? "")).toEqual([
        "end-to-end",
        "canary-arrival",
        "managed",
        "SKIP",
        "source managed: not attempted, its Debezium connector is not RUNNING (see connectors)",
      ]);
      expect(lines.at(-2)).toMatch(
        /^verify: \d+ checks: 3 pass, 1 warn, \d+ fail, \d+ skip: the pipeline does NOT hold \(exit 1\)$/,
      );
      expect(aws.calls).toContain(`FilterLogEvents ${DEBEZIUM_LOGS}`);
    } finally {
      aws.state.connectors.set(DEBEZIUM_ARN, "RUNNING");
    }
  });

  it("exits 1 with one line naming the state file and the fix when nothing was applied", async () => {
    const empty = mkdtempSync(join(dir, "project-"));
    const run = await runVerifyCli(["--config", resolve(PROJECT_ROOT, "config/demo.yaml")], env, {
      cwd: empty,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n").at(-1)).toBe(
      `verify: no state file ${join(empty, "state", "demo-platform.tfstate")} (state.backend local, directory state): ` +
        "apply the platform stack first (npm run deploy -- apply demo-platform), or pass --outputs <file>",
    );
  });

  it("exits 2 on a usage error", async () => {
    const bad = await runVerifyCli(["--timeout", "soon"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")[0]).toBe("--timeout soon: expected a positive number of seconds");
    const both = await runVerifyCli(["--env", "demo", "--config", "config/demo.yaml"], env);
    expect(both.code).toBe(2);
    expect(both.stderr.split("\n")[0]).toBe("--env and --config both given: expected one");
    const unknown = await runVerifyCli(["--env", "nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split("\n")[0]).toBe(
      "--env nope: no config/*.yaml with environment: nope; expected one (or pass --config <file>)",
    );
  });

  it("--env finds the file whose environment it is: prod is config/production.yaml", async () => {
    const run = await runVerifyCli(
      ["--env", "prod", "--outputs", resolve(PROJECT_ROOT, "no-such-outputs.json")],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("verify: cdc-lake-prod (config/production.yaml)");
  });
});
