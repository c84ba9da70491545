/**
 * The MSK configuration's name follows its Kafka version and content: `kafka_versions` forces a
 * replacement and a configuration in use cannot be deleted, so each version or content change makes a new
 * configuration, created before the old one is destroyed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { byPath, demoWith, refTo, type Synthesized, synthesize, type TerraformJson } from "../support/synth";

const made: Synthesized[] = [];
afterAll(() => {
  for (const s of made) s.cleanup();
});
function configurationOf(change: (d: Record<string, any>) => void): TerraformJson {
  const s = synthesize(demoWith(change));
  made.push(s);
  const platform = s.stacks["demo-platform"] ?? {};
  const configuration = byPath(platform, "aws_msk_configuration")["demo-platform/Kafka/Configuration"];
  if (!configuration) throw new Error("no MSK configuration");
  return { ...configuration, platform };
}

describe("the MSK configuration", () => {
  const demo = configurationOf(() => {});

  it("is named <base>-msk-<kafka version with dashes>-<content hash>", () => {
    expect(demo.name).toMatch(/^cdc-lake-demo-msk-3-6-0-[0-9a-f]{8}$/);
    expect(demo.kafka_versions).toEqual(["3.6.0"]);
  });

  it("is created before the one it replaces is destroyed", () => {
    expect(demo.lifecycle).toEqual({ create_before_destroy: true });
  });

  it("keeps its name while nothing it holds changes", () => {
    expect(configurationOf((d) => (d.storage.forceDestroy = false)).name).toBe(demo.name);
  });

  it("gets a new name with a new Kafka version", () => {
    const upgraded = configurationOf((d) => (d.streaming.kafkaVersion = "3.7.1"));
    expect(upgraded.name).toMatch(/^cdc-lake-demo-msk-3-7-1-[0-9a-f]{8}$/);
    expect(upgraded.name).not.toBe(demo.name);
  });

  it("gets a new name when a server property changes (two brokers: replication factor 2)", () => {
    const smaller = configurationOf((d) => {
      d.network.availabilityZones = ["us-east-1a", "us-east-1b"];
      d.streaming.brokerCount = 2;
    });
    expect(smaller.server_properties).toContain("default.replication.factor=2");
    expect(smaller.name).toMatch(/^cdc-lake-demo-msk-3-6-0-[0-9a-f]{8}$/);
    expect(smaller.name).not.toBe(demo.name);
  });

  it("is the one the cluster uses, at its latest revision", () => {
    const platform = demo.platform;
    const [cluster] = Object.values(byPath(platform, "aws_msk_cluster"));
    expect(cluster?.configuration_info).toEqual({
      arn: refTo(platform, "demo-platform/Kafka/Configuration", "arn"),
      revision: refTo(platform, "demo-platform/Kafka/Configuration", "latest_revision"),
    });
  });
});
