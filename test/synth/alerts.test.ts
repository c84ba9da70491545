/**
 * Where alarms notify (config alerts): the topic the pipeline creates (encrypted with its key, CloudWatch let
 * in by the key's and the topic's policies, one subscription per endpoint) or an existing one; every alarm
 * of every stack gets the actions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { byPath, demoWith, refTo, type Synthesized, synthesize, type TerraformJson } from "../support/synth";

const made: Synthesized[] = [];
afterAll(() => {
  for (const s of made) s.cleanup();
});
function synth(config: PipelineConfig): Synthesized {
  const s = synthesize(config);
  made.push(s);
  return s;
}
/** Every metric alarm of every stack of the app, by construct path. */
function allAlarms(s: Synthesized): Record<string, TerraformJson> {
  return Object.assign(
    {},
    ...Object.values(s.stacks).map((stack) => byPath(stack, "aws_cloudwatch_metric_alarm")),
  );
}
const subscribed = (d: Record<string, any>) =>
  (d.alerts = {
    emails: ["oncall@example.com"],
    subscriptions: [{ protocol: "https", endpoint: "https://hooks.example.com/alarms" }],
  });

describe("alerts with emails and subscriptions", () => {
  const s = synth(demoWith(subscribed));
  const platform = s.stacks["demo-platform"] ?? {};
  const topic = refTo(platform, "demo-platform/Alerts/Resource", "arn");

  it("create the topic <base>-alerts, encrypted with the pipeline's key", () => {
    expect(byPath(platform, "aws_sns_topic")).toEqual({
      "demo-platform/Alerts/Resource": expect.objectContaining({
        name: "cdc-lake-demo-alerts",
        kms_master_key_id: refTo(platform, "demo-platform/Key/Resource", "arn"),
      }),
    });
    expect(platform.output.alarm_topic_arn.value).toBe(topic);
  });

  it("subscribe each endpoint once, under an address that does not depend on its position", () => {
    const subscriptions = Object.entries(byPath(platform, "aws_sns_topic_subscription")).map(([path, r]) => [
      path.replace(/-[0-9a-f]{8}$/, "-<hash>"),
      r.protocol,
      r.endpoint,
      r.topic_arn,
    ]);
    expect(subscriptions).toEqual([
      ["demo-platform/Alerts/Subscription-email-<hash>", "email", "oncall@example.com", topic],
      ["demo-platform/Alerts/Subscription-https-<hash>", "https", "https://hooks.example.com/alarms", topic],
    ]);
    const reordered = synth(
      demoWith(
        (d) =>
          (d.alerts = {
            subscriptions: [
              { protocol: "sms", endpoint: "+14155550100" },
              { protocol: "https", endpoint: "https://hooks.example.com/alarms" },
            ],
            emails: ["oncall@example.com"],
          }),
      ),
    );
    const paths = (stack: TerraformJson) => Object.keys(byPath(stack, "aws_sns_topic_subscription"));
    expect(paths(reordered.stacks["demo-platform"] ?? {})).toEqual(expect.arrayContaining(paths(platform)));
  });

  it("give every alarm of every stack the topic, for ALARM and OK", () => {
    const alarms = allAlarms(s);
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(2);
    for (const [path, alarm] of Object.entries(alarms)) {
      const stack = path.split("/")[0] as string;
      // Another stack holds the platform's topic through its remote state.
      const expected = stack === "demo-platform" ? topic : expect.stringContaining("alarm_topic_arn");
      expect([path, alarm.alarm_actions, alarm.ok_actions]).toEqual([path, [expected], [expected]]);
    }
  });

  it("let CloudWatch alarms of this account publish to the topic, and nobody else by its policy", () => {
    const policy = byPath(platform, "aws_sns_topic_policy")["demo-platform/Alerts/Policy"];
    expect(policy?.arn).toBe(topic);
    const document = Object.values<TerraformJson>(platform.data.aws_iam_policy_document).find(
      (d) => d["//"].metadata.path === "demo-platform/Alerts/PolicyDocument",
    );
    expect(document?.statement).toEqual([
      expect.objectContaining({
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
        actions: ["sns:Publish"],
        resources: [topic],
        condition: [
          expect.objectContaining({ test: "StringEquals", variable: "aws:SourceAccount" }),
          expect.objectContaining({ test: "ArnLike", variable: "aws:SourceArn" }),
        ],
      }),
    ]);
  });

  it("let CloudWatch use the key for this topic only, keeping AWS's default key policy", () => {
    const policies = byPath(platform, "aws_kms_key_policy");
    expect(Object.keys(policies)).toEqual(["demo-platform/Key/Policy"]);
    const policy = policies["demo-platform/Key/Policy"] ?? {};
    expect(policy.key_id).toBe(refTo(platform, "demo-platform/Key/Resource", "key_id"));
    // jsonencode of an HCL object: `"key" = value`.
    const text = String(policy.policy).replaceAll(" = ", ":").replaceAll(", ", ",");
    expect(text).toMatch(/^\$\{jsonencode\(/);
    expect(text).toContain(
      '"Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"]',
    );
    expect(text).toContain(`"kms:EncryptionContext:aws:sns:topicArn":${topic.slice(2, -1)}`);
    expect(text).toContain('"aws:SourceAccount":element(split(":",aws_kms_key.');
    expect(text).toContain('"Action":"kms:*"');
  });
});

describe("alerts without the pipeline's key", () => {
  it("create an unencrypted topic and leave the key policy alone (there is no key)", () => {
    const platform =
      synth(
        demoWith((d) => {
          subscribed(d);
          d.encryption = { customerManagedKey: false };
        }),
      ).stacks["demo-platform"] ?? {};
    expect(Object.values(byPath(platform, "aws_sns_topic"))[0]?.kms_master_key_id).toBeUndefined();
    expect(platform.resource.aws_kms_key_policy).toBeUndefined();
  });
});

describe("alerts.snsTopicArn", () => {
  it("gives every alarm the existing topic and creates none", () => {
    const arn = "arn:aws:sns:us-east-1:123456789012:ops-alarms";
    const s = synth(demoWith((d) => (d.alerts = { snsTopicArn: arn })));
    const platform = s.stacks["demo-platform"] ?? {};
    expect(platform.resource.aws_sns_topic).toBeUndefined();
    expect(platform.resource.aws_kms_key_policy).toBeUndefined();
    for (const alarm of Object.values(allAlarms(s))) {
      expect(alarm.alarm_actions).toEqual([arn]);
      expect(alarm.ok_actions).toEqual([arn]);
    }
  });
});

describe("guardrail CDC-OBS1", () => {
  const root = mkdtempSync(join(tmpdir(), "cdc-lake-alerts-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const findings = (config: PipelineConfig) => {
    const { app, guardrails } = buildPipelineApp(config, loadPlugins(join(root, "none")), {
      outdir: mkdtempSync(join(root, "out-")),
    });
    app.synth();
    return guardrails.findings.filter((f) => f.rule.id === "CDC-OBS1").map((f) => f.path);
  };

  it("flags every alarm that notifies nobody (the demo's, suppressed there with a reason)", () => {
    expect(findings(loadConfigFile("config/demo.yaml")).sort()).toEqual([
      "demo-connectors/Debezium/Alarms/ErroredTasks",
      "demo-connectors/Debezium/Alarms/RunningTasks",
      "demo-connectors/S3Sink/Alarms/ErroredTasks",
      "demo-connectors/S3Sink/Alarms/RunningTasks",
      "demo-platform/DatabaseAlarms/FreeStorage",
      "demo-platform/DatabaseAlarms/SlotLag",
      "demo-platform/DatabaseAlarms/TransactionLogs/Resource",
      "demo-platform/KafkaAlarms/Broker1Disk",
      "demo-platform/KafkaAlarms/Broker2Disk",
      "demo-platform/KafkaAlarms/Broker3Disk",
    ]);
  });

  it("finds nothing once alerts are configured", () => {
    expect(findings(demoWith(subscribed))).toEqual([]);
  });
});
