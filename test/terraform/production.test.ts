import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { synthesize } from "../support/synth";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";
import { writeConnectorsDir } from "../support/zip-fixtures";

describeWithTerraform("terraform: prod-platform (production profile)", (tier) => {
  const root = mkdtempSync(join(tmpdir(), "cdc-lake-tf-prod-"));
  const production = synthesize(loadConfigFile("config/production.yaml"), {
    connectorsDir: writeConnectorsDir(join(root, "connectors")).dir,
  });
  let workdir: StackWorkdir;
  let planned: { type: string; address: string; values: Record<string, any> }[];

  beforeAll(() => {
    workdir = new StackWorkdir(tier, production.stackDir("prod-platform"));
    workdir.initWithoutBackend();
  });
  afterAll(() => {
    workdir?.cleanup();
    production.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it("validates", () => {
    expect(workdir.ok("validate")).toContain("The configuration is valid.");
  });

  it("plans offline: private subnets, no NAT, flow logs, key, storage autoscaling, versioned lake", () => {
    workdir.prepareOfflinePlan("us-east-1");
    planned = workdir.offlinePlanJson().planned_values.root_module.resources;
    const of = (type: string) => planned.filter((r) => r.type === type);
    expect(
      of("aws_subnet")
        .map((s) => s.values.cidr_block)
        .sort(),
    ).toEqual([
      "10.20.0.0/24",
      "10.20.1.0/24",
      "10.20.10.0/24",
      "10.20.11.0/24",
      "10.20.12.0/24",
      "10.20.2.0/24",
    ]);
    expect(of("aws_nat_gateway")).toHaveLength(0);
    expect(of("aws_flow_log").map((f) => f.values.traffic_type)).toEqual(["ALL"]);
    expect(of("aws_kms_key").map((k) => k.values.enable_key_rotation)).toEqual([true]);
    expect(
      of("aws_appautoscaling_target").map((t) => [t.values.scalable_dimension, t.values.max_capacity]),
    ).toEqual([["kafka:broker-storage:VolumeSize", 2000]]);
    expect(of("aws_s3_bucket_versioning").map((v) => v.values.versioning_configuration)).toEqual([
      [{ status: "Enabled" }],
    ]);
    expect(of("aws_db_instance")[0]?.values).toMatchObject({
      publicly_accessible: false,
      multi_az: true,
      deletion_protection: true,
      backup_retention_period: 14,
      performance_insights_enabled: true,
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
      storage_encrypted: true,
    });
    expect(of("aws_cloudwatch_log_group").every((g) => g.values.retention_in_days === 365)).toBe(true);
  });

  it("plans subnets by zone ID, the operators' group, the alarm topic and a versioned MSK configuration", () => {
    const of = (type: string) => planned.filter((r) => r.type === type);
    expect(
      of("aws_subnet")
        .map((s) => [s.values.availability_zone_id, s.values.cidr_block])
        .sort(),
    ).toEqual([
      ["use1-az1", "10.20.0.0/24"],
      ["use1-az1", "10.20.10.0/24"],
      ["use1-az2", "10.20.1.0/24"],
      ["use1-az2", "10.20.11.0/24"],
      ["use1-az4", "10.20.12.0/24"],
      ["use1-az4", "10.20.2.0/24"],
    ]);
    expect(of("aws_security_group").map((g) => g.values.name)).toContain("cdc-lake-prod-operators");
    expect(of("aws_sns_topic").map((t) => t.values.name)).toEqual(["cdc-lake-prod-alerts"]);
    expect(of("aws_sns_topic_subscription").map((t) => [t.values.protocol, t.values.endpoint])).toEqual([
      ["email", "data-platform-oncall@example.com"],
    ]);
    expect(of("aws_kms_key_policy")).toHaveLength(1);
    expect(of("aws_msk_configuration").map((c) => c.values.name)).toEqual([
      expect.stringMatching(/^cdc-lake-prod-msk-3-6-0-[0-9a-f]{8}$/),
    ]);
  });

  it("refuses to create MSK in a zone MSK does not support (the precondition bites at plan for zone IDs)", () => {
    const broken = new StackWorkdir(tier, production.stackDir("prod-platform"));
    try {
      const file = join(broken.dir, "cdk.tf.json");
      const json = JSON.parse(readFileSync(file, "utf8"));
      // As if use1-az4 were use1-az3: the config model refuses that, so edit the JSON.
      const subnet = Object.values<any>(json.resource.aws_subnet).find(
        (s) => s["//"].metadata.path === "prod-platform/Network/PrivateSubnet-use1-az4",
      );
      subnet.availability_zone_id = "use1-az3";
      writeFileSync(file, JSON.stringify(json));
      broken.prepareOfflinePlan("us-east-1");
      const result = broken.run("plan", "-refresh=false", "-input=false");
      expect(result.code).not.toBe(0);
      expect(result.output).toContain("Resource precondition failed");
      expect(result.output).toContain("which Amazon MSK refuses");
    } finally {
      broken.cleanup();
    }
  });
});
