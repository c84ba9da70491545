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
import { ConfigError, UserError } from "../../src/errors";
import { NetworkOpenIngress } from "../../src/guardrails/rules/network-open-ingress";
import { managedDatabase } from "../support/synth";
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
    ["anyone notified by the alarms", "CDC-OBS1", (d: any) => delete d.alerts],
    [
      "two brokers in two zones",
      "CDC-MSK3",
      (d: any) => {
        d.network.availabilityZoneIds = ["use1-az1", "use1-az2"];
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

describe("the production profile opened to the internet in pieces", () => {
  const production = loadConfigFile("config/production.yaml");
  /** The production config with these operator networks, as if the config model had let them through. */
  const withCidrs = (allowedCidrs: string[]): PipelineConfig => ({
    ...production,
    database: { ...managedDatabase(production), allowedCidrs, allowInternetIngress: false },
  });
  const sixtyFourSlash8s = Array.from({ length: 65 }, (_, i) => `${i + 1}.0.0.0/8`).filter(
    (c) => c !== "10.0.0.0/8",
  );

  it("fails synth with CDC-NET1 on the database's group for 0.0.0.0/1 and 128.0.0.0/1", () => {
    expect(failure(withCidrs(["0.0.0.0/1", "128.0.0.0/1"]))).toBe(
      [
        "guardrails: 1 finding(s) at or above guardrails.failOn (warning); fix them, or suppress one with a reason (guardrails.suppressions):",
        `  CDC-NET1 error prod-platform/Database/SecurityGroup/Resource: ${NetworkOpenIngress.cause} ` +
          "Security group cdc-lake-prod-postgres admits 0.0.0.0/0: 3,702,390,784 public IPv4 addresses " +
          "(at most 256), the largest 32.0.0.0/3, 64.0.0.0/3, 128.0.0.0/3, 16.0.0.0/4 and 47 more. " +
          `Fix: ${NetworkOpenIngress.fix}`,
      ].join("\n"),
    );
  });

  it("fails synth with CDC-NET1 for 64 public /8 blocks, or for 0.0.0.0/00", () => {
    expect(sixtyFourSlash8s).toHaveLength(64);
    expect(failure(withCidrs(sixtyFourSlash8s))).toMatch(
      /^ {2}CDC-NET1 error prod-platform\/Database\/SecurityGroup\/Resource: .* admits 1\.0\.0\.0\/8, .*: 1,073,741,824 public IPv4 addresses/m,
    );
    expect(failure(withCidrs(["0.0.0.0/00"]))).toMatch(/^ {2}CDC-NET1 error .* admits 0\.0\.0\.0\/0: /m);
  });

  it("synthesizes with one operator /32 and a /28", () => {
    expect(failure(withCidrs(["203.0.113.10/32", "198.51.100.16/28"]))).toBe("");
  });

  // From the YAML through the config model: whichever refuses it, such a file never becomes an app.
  it.each([
    ["0.0.0.0/1 and 128.0.0.0/1", ["0.0.0.0/1", "128.0.0.0/1"]],
    ["64 public /8 blocks", sixtyFourSlash8s],
    ["0.0.0.0/00", ["0.0.0.0/00"]],
  ])("never synthesizes a production file that admits %s", (_what, cidrs) => {
    let config: PipelineConfig;
    try {
      config = productionWith((d) => (d.database.allowedCidrs = cidrs));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      expect(error.message).toMatch(/^ {2}database\.allowedCidrs/m);
      return;
    }
    expect(failure(config)).toMatch(
      /^ {2}CDC-NET1 error prod-platform\/Database\/SecurityGroup\/Resource: /m,
    );
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
      "CDC-OBS1 demo-connectors/Debezium/Alarms/ErroredTasks",
      "CDC-OBS1 demo-connectors/Debezium/Alarms/RunningTasks",
      "CDC-OBS1 demo-connectors/S3Sink/Alarms/ErroredTasks",
      "CDC-OBS1 demo-connectors/S3Sink/Alarms/RunningTasks",
      "CDC-OBS1 demo-platform/DatabaseAlarms/FreeStorage",
      "CDC-OBS1 demo-platform/DatabaseAlarms/SlotLag",
      "CDC-OBS1 demo-platform/DatabaseAlarms/TransactionLogs/Resource",
      "CDC-OBS1 demo-platform/KafkaAlarms/Broker1Disk",
      "CDC-OBS1 demo-platform/KafkaAlarms/Broker2Disk",
      "CDC-OBS1 demo-platform/KafkaAlarms/Broker3Disk",
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
        "  CDC-RDS1 error demo-platform/Database/Resource: The RDS instance is publicly accessible. Fix: Set database.publiclyAccessible: false and apply the database stack through network.operatorAccess (docs/runbook.md).",
      ].join("\n"),
    );
  });

  it("refuses a suppression without a reason", () => {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    data.guardrails.suppressions[0].reason = "demo";
    expect(() => parseConfig(data, "demo")).toThrowError(
      'guardrails.suppressions.0.reason: got "demo"; expected a sentence saying why this relaxation is acceptable here (at least 4 words, 20 characters)',
    );
  });
});

describe("suppressions", () => {
  /** The demo's config with its first suppression changed; the config error's problems, or [] when valid. */
  function problems(change: (suppressions: any[]) => void): string[] {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    change(data.guardrails.suppressions);
    try {
      parseConfig(data, "demo");
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    return [];
  }
  const REASON =
    "expected a sentence saying why this relaxation is acceptable here (at least 4 words, 20 characters)";

  it.each([
    ["dots", "……………………………"],
    ["spaces", " ".repeat(30)],
    ["punctuation", "-- ... !!! ??? -- ... !!! ???"],
    ["one word repeated", "demo demo demo demo demo demo"],
    ["three words", "because unavoidable circumstances"],
    ["padding around a short text", `   lab use only${" ".repeat(20)}`],
  ])("refuse a reason made of %s", (_what, reason) => {
    expect(problems((s) => (s[0].reason = reason))).toEqual([
      `guardrails.suppressions.0.reason: got ${JSON.stringify(reason)}; ${REASON}`,
    ]);
  });

  it("accept a reason that is a sentence", () => {
    expect(problems((s) => (s[0].reason = "a lab that lives for hours needs no standby"))).toEqual([]);
  });

  it.each([
    ["empty", ""],
    ["spaces", "   "],
    ["surrounded by spaces", " demo-platform/Database"],
    ["with an empty segment", "demo-platform//Database"],
    ["ending in /", "demo-platform/"],
  ])("refuse a resource pattern that is %s", (_what, pattern) => {
    const [problem] = problems((s) => (s[0].resources = [pattern]));
    expect(problem).toMatch(
      new RegExp(
        `^guardrails\\.suppressions\\.0\\.resources\\.0: got ${JSON.stringify(pattern)}; expected a construct path such as demo-platform/Database, or \\*\\*`,
      ),
    );
  });

  it("refuse a pattern twice in a suppression, or twice for the same rule", () => {
    expect(problems((s) => (s[0].resources = ["demo-platform/Database", "demo-platform/Database"]))).toEqual([
      'guardrails.suppressions.0.resources.1: got "demo-platform/Database"; expected each pattern once (it is also resources.0)',
    ]);
    expect(
      problems((s) => s.push({ ...s[0], reason: "the same relaxation again, with another reason" })),
    ).toEqual([
      `guardrails.suppressions.${9}.resources.0: got "demo-platform/Database"; expected each pattern once per rule (guardrails.suppressions.0 already covers it for CDC-RDS1)`,
    ]);
  });

  it("fail synth on a pattern under no stack of the app, and accept one that may match", () => {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    data.guardrails.suppressions[0].resources = ["demo-platform/Database", "prod-platform/Database", "demo"];
    expect(() => guardrailReport(synthGuardrails(parseConfig(data)))).toThrowError(
      [
        "invalid pipeline configuration",
        '  guardrails.suppressions.0.resources.1: got "prod-platform/Database"; expected a construct path under one of this app\'s stacks (demo-platform, demo-database, demo-connectors), or starting with **',
        '  guardrails.suppressions.0.resources.2: got "demo"; expected a construct path under one of this app\'s stacks (demo-platform, demo-database, demo-connectors), or starting with **',
      ].join("\n"),
    );
    data.guardrails.suppressions[0].resources = ["*-platform/Database", "**/Database/Resource", "demo-*"];
    expect(() => guardrailReport(synthGuardrails(parseConfig(data)))).not.toThrow();
  });
});
