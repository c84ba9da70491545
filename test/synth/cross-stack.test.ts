import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformOutput } from "cdktf";
import { describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { PipelineStack } from "../../src/stacks/pipeline-stack";
import { demoWith } from "../support/synth";

/** A stand-in for the database/connectors stacks: consumes platform attributes across stacks. */
function synthWithConsumer(config: PipelineConfig) {
  const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-xstack-"));
  const { app, platform } = buildPipelineApp(config, [], { outdir });
  class ConsumerStack extends PipelineStack {}
  const consumer = new ConsumerStack(app, "demo-consumer", {
    region: config.region,
    state: config.state,
    tags: {},
  });
  new TerraformOutput(consumer, "secret", { value: platform.database?.masterUserSecretArn });
  app.synth();
  const json = JSON.parse(readFileSync(join(outdir, "stacks/demo-consumer/cdk.tf.json"), "utf8"));
  rmSync(outdir, { recursive: true, force: true });
  return json;
}

describe("cross-stack references", () => {
  it("read the platform's local state by the same relative path", () => {
    const json = synthWithConsumer(demoWith(() => {}));
    const remote = Object.values<any>(json.data.terraform_remote_state)[0];
    expect(remote.backend).toBe("local");
    expect(remote.config.path).toBe("../../../state/demo-platform.tfstate");
    expect(JSON.stringify(json)).not.toMatch(/"\/(work|home|root|tmp)\//);
  });

  it("read the platform's S3 state by its key", () => {
    const json = synthWithConsumer(demoWith((d) => (d.state = { backend: "s3", bucket: "team-tf-state" })));
    const remote = Object.values<any>(json.data.terraform_remote_state)[0];
    expect(remote.backend).toBe("s3");
    expect(remote.config).toMatchObject({
      bucket: "team-tf-state",
      key: "cdc-lake/demo-platform.tfstate",
      region: "us-east-1",
    });
    expect(json.terraform.backend.s3.key).toBe("cdc-lake/demo-consumer.tfstate");
  });
});
