import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildPipelineApp } from "../../src/app";
import { guardrailReport } from "../../src/cli/guardrail-report";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { parseConfig } from "../../src/config/parse";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { UserError } from "../../src/errors";
import { writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-profiles-"));
const zips = writeConnectorsDir(join(root, "connectors")).dir;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function synthGuardrails(config: PipelineConfig) {
  const outdir = mkdtempSync(join(root, "out-"));
  const { app, guardrails } = buildPipelineApp(config, loadPlugins(zips), { outdir });
  app.synth();
  return guardrails;
}

function productionWith(change: (data: Record<string, any>) => void): PipelineConfig {
  const data = parse(readFileSync("config/production.yaml", "utf8"));
  change(data);
  return parseConfig(data, "production variant");
}

function failure(config: PipelineConfig): string {
  try {
    guardrailReport(synthGuardrails(config), config.guardrails.failOn);
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  return "";
}

describe("the production profile", () => {
  it("has zero findings and suppresses nothing", () => {
    const config = loadConfigFile("config/production.yaml");
    expect(config.guardrails).toEqual({ failOn: "warning", suppressions: [] });
    expect(synthGuardrails(config).findings.map((f) => `${f.rule.id} ${f.path}`)).toEqual([]);
  });

  // Each secure setting of the profile, removed, and the rule that must then fail synth.
  it.each([
    [
      "publicly accessible RDS",
      "CDC-RDS1",
      (d: any) => {
        d.database.publiclyAccessible = true;
        d.database.allowedCidrs = ["203.0.113.10/32"];
        d.network.workloadSubnets = "public";
      },
    ],
    ["RDS in one AZ", "CDC-RDS5", (d: any) => (d.database.multiAz = false)],
    ["no deletion protection", "CDC-RDS6", (d: any) => (d.database.deletionProtection = false)],
    ["3 days of backups", "CDC-RDS7", (d: any) => (d.database.backupRetentionDays = 3)],
    ["no final snapshot", "CDC-RDS7", (d: any) => (d.database.skipFinalSnapshot = true)],
    ["no Performance Insights", "CDC-RDS9", (d: any) => (d.database.performanceInsights = false)],
    ["no PostgreSQL log export", "CDC-RDS10", (d: any) => (d.database.logExports = ["upgrade"])],
    ["workloads in public subnets", "CDC-NET3", (d: any) => (d.network.workloadSubnets = "public")],
    ["no flow logs", "CDC-NET2", (d: any) => (d.network.flowLogs = false)],
    ["AWS managed keys", "CDC-KMS1", (d: any) => (d.encryption.customerManagedKey = false)],
    ["no broker storage autoscaling", "CDC-MSK2", (d: any) => (d.streaming.maxBrokerVolumeGiB = 100)],
    ["no versioning", "CDC-S3-4", (d: any) => (d.storage.versioning = false)],
    ["force-destroyed buckets", "CDC-S3-5", (d: any) => (d.storage.forceDestroy = true)],
    ["a month of logs", "CDC-LOG2", (d: any) => (d.logs.retentionDays = 30)],
    [
      "two brokers in two zones",
      "CDC-MSK3",
      (d: any) => {
        d.network.availabilityZones = ["us-east-1a", "us-east-1b"];
        d.streaming.brokerCount = 2;
      },
    ],
    [
      "the internet admitted",
      "CDC-NET1",
      (d: any) => {
        d.database.allowedCidrs = ["0.0.0.0/0"];
        d.database.allowInternetIngress = true;
      },
    ],
  ])("fails synth without %s, naming %s and its fix", (_what, rule, change) => {
    const message = failure(productionWith(change));
    expect(message).toMatch(new RegExp(`^  ${rule} (error|warning) prod-`, "m"));
    expect(message).toContain("Fix: ");
  });
});

describe("the demo profile", () => {
  const config = loadConfigFile("config/demo.yaml");
  const guardrails = synthGuardrails(config);

  it("has no finding that is not one of its declared relaxations", () => {
    expect(guardrails.open.map((f) => `${f.rule.id} ${f.path}`)).toEqual([]);
  });

  it("uses exactly its declared suppressions, each at least once", () => {
    expect(guardrails.unusedSuppressions).toEqual([]);
    const suppressed = [...new Set(guardrails.findings.map((f) => f.rule.id))].sort();
    expect(suppressed).toEqual(config.guardrails.suppressions.map((s) => s.rule).sort());
  });

  it("suppresses these findings and no others", () => {
    expect(guardrails.findings.map((f) => `${f.rule.id} ${f.path}`).sort()).toEqual([
      "CDC-LOG2 demo-connectors/Debezium/Logs/Resource",
      "CDC-LOG2 demo-connectors/S3Sink/Logs/Resource",
      "CDC-LOG2 demo-platform/BrokerLogs/Resource",
      "CDC-LOG2 demo-platform/Database/Logs-postgresql/Resource",
      "CDC-LOG2 demo-platform/Database/Logs-upgrade/Resource",
      "CDC-LOG2 demo-platform/FlowLogs/Logs/Resource",
      "CDC-NET3 demo-platform/Database/SubnetGroup",
      "CDC-NET3 demo-platform/Kafka/Resource",
      "CDC-RDS1 demo-platform/Database/Resource",
      "CDC-RDS5 demo-platform/Database/Resource",
      "CDC-RDS6 demo-platform/Database/Resource",
      "CDC-RDS7 demo-platform/Database/Resource",
      "CDC-RDS9 demo-platform/Database/Resource",
      "CDC-S3-5 demo-connectors/PluginBucket/Resource",
      "CDC-S3-5 demo-platform/DataLake/Resource",
    ]);
  });

  it("fails synth on its public RDS once the suppression is gone (an error-level rule)", () => {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    data.guardrails.suppressions = data.guardrails.suppressions.filter(
      (s: { rule: string }) => s.rule !== "CDC-RDS1",
    );
    expect(failure(parseConfig(data))).toBe(
      [
        "guardrails: 1 finding(s) at or above guardrails.failOn (error); fix them, or suppress one with a reason (guardrails.suppressions):",
        "  CDC-RDS1 error demo-platform/Database/Resource: The RDS instance is publicly accessible. Fix: Set database.publiclyAccessible: false and run the database stack from inside the VPC or through a tunnel.",
      ].join("\n"),
    );
  });

  it("refuses a suppression without a reason", () => {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    data.guardrails.suppressions[0].reason = "demo";
    expect(() => parseConfig(data, "demo")).toThrowError(
      'guardrails.suppressions.0.reason: got "demo"; expected a reason of at least 20 characters: why this relaxation is acceptable here',
    );
  });
});
