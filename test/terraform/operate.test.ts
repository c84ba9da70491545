/**
 * Issue 13's alarms and dashboard against the AWS provider schema: the platform and connectors stacks of
 * the production profile (alarms notifying the topic, the connectors' read from the platform's
 * alarm_topic_arn output) and of the multi-source example (a dashboard with notes on existing databases).
 * The demo's stacks are validated by platform.test.ts and connectors.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { synthesize } from "../support/synth";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";

describeWithTerraform("terraform: alarms and dashboard (issue 13)", (tier) => {
  const production = synthesize(loadConfigFile("config/production.yaml"));
  const multiSource = synthesize(loadConfigFile("config/examples/multi-source.yaml"));
  afterAll(() => {
    production.cleanup();
    multiSource.cleanup();
  });

  const cases = [
    { name: "production", synthesized: production, stack: "prod-platform", alarms: 6, dashboards: 0 },
    { name: "production", synthesized: production, stack: "prod-connectors", alarms: 4, dashboards: 1 },
    { name: "multi-source", synthesized: multiSource, stack: "prod-platform", alarms: 6, dashboards: 0 },
    { name: "multi-source", synthesized: multiSource, stack: "prod-connectors", alarms: 8, dashboards: 1 },
  ];
  for (const { name, synthesized, stack, alarms, dashboards } of cases) {
    it(`${name}: ${stack} validates, with its ${alarms} alarms and ${dashboards} dashboard(s)`, () => {
      const dir = synthesized.stackDir(stack);
      const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      expect(Object.keys(json.resource.aws_cloudwatch_metric_alarm ?? {})).toHaveLength(alarms);
      expect(Object.keys(json.resource.aws_cloudwatch_dashboard ?? {})).toHaveLength(dashboards);
      const workdir = new StackWorkdir(tier, dir);
      try {
        workdir.initWithoutBackend();
        expect(workdir.ok("validate")).toContain("The configuration is valid.");
      } finally {
        workdir.cleanup();
      }
    });
  }

  it("production: prod-platform plans offline with every alarm notifying the topic on ALARM and OK", () => {
    const workdir = new StackWorkdir(tier, production.stackDir("prod-platform"));
    try {
      workdir.prepareOfflinePlan("us-east-1");
      const plan = workdir.offlinePlanJson();
      const alarms = plan.planned_values.root_module.resources.filter(
        (r: { type: string }) => r.type === "aws_cloudwatch_metric_alarm",
      );
      expect(alarms.map((a: { values: { alarm_name: string } }) => a.values.alarm_name).sort()).toEqual([
        "cdc-lake-prod-msk-broker-1-disk",
        "cdc-lake-prod-msk-broker-2-disk",
        "cdc-lake-prod-msk-broker-3-disk",
        "cdc-lake-prod-postgres-free-storage",
        "cdc-lake-prod-postgres-replication-slot-lag",
        "cdc-lake-prod-postgres-transaction-logs",
      ]);
      // The topic's ARN is known only after apply (the action sets are unknown in the plan): what Terraform
      // evaluates is a reference to the topic, for ALARM and for OK.
      const configured = plan.configuration.root_module.resources.filter(
        (r: { type: string }) => r.type === "aws_cloudwatch_metric_alarm",
      );
      expect(configured).toHaveLength(6);
      for (const alarm of configured) {
        for (const actions of ["alarm_actions", "ok_actions"]) {
          expect([alarm.address, actions, alarm.expressions[actions].references]).toEqual([
            alarm.address,
            actions,
            ["aws_sns_topic.Alerts_91F83244.arn", "aws_sns_topic.Alerts_91F83244"],
          ]);
        }
      }
    } finally {
      workdir.cleanup();
    }
  });
});
