import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { DEMO_CONFIG, synthesize } from "../support/synth";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";
import { writeConnectorsDir } from "../support/zip-fixtures";

describeWithTerraform("terraform: demo-connectors", (tier) => {
  const root = mkdtempSync(join(tmpdir(), "cdc-lake-tf-connectors-"));
  const zips = writeConnectorsDir(join(root, "connectors"));
  const complete = synthesize(loadConfigFile(DEMO_CONFIG), { connectorsDir: zips.dir });
  const missing = synthesize(loadConfigFile(DEMO_CONFIG), { connectorsDir: join(root, "absent") });
  afterAll(() => {
    complete.cleanup();
    missing.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it("validates the whole stack (plugins, worker configurations, connectors, roles)", () => {
    const workdir = new StackWorkdir(tier, complete.stackDir("demo-connectors"));
    try {
      workdir.initWithoutBackend();
      expect(workdir.ok("validate")).toContain("The configuration is valid.");
    } finally {
      workdir.cleanup();
    }
  });

  it("refuses to plan without the zips, with synth's message, before any provider error", () => {
    const workdir = new StackWorkdir(tier, missing.stackDir("demo-connectors"));
    try {
      workdir.prepareOfflinePlan("us-east-1");
      const plan = workdir.run("plan", "-refresh=false", "-input=false");
      expect(plan.code).not.toBe(0);
      const text = plan.output.replace(/\s+/g, " ");
      expect(text).toContain("Resource precondition failed");
      expect(text).toContain(
        `${join(root, "absent")}/confluentinc-kafka-connect-s3-10.6.7.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
      );
      expect(text.match(/Error:/g)).toHaveLength(1);
    } finally {
      workdir.cleanup();
    }
  });

  it("turns the secret reference into what the config provider expects: ${secretsmanager:<name>:password}", () => {
    const connector = Object.values<any>(
      complete.stacks["demo-connectors"]?.resource.aws_mskconnect_connector,
    )[0];
    const template = connector.connector_configuration["database.password"] as string;
    const name = "cdc-lake-demo/postgres/cdc_lake_demo_cdc-20261126073000000000000001";
    const expression = template.replace(/data\.terraform_remote_state\.[^,]+/, JSON.stringify(name));
    const dir = mkdtempSync(join(root, "console-"));
    writeFileSync(join(dir, ".terraformrc"), "");
    const result = spawnSync(tier.terraform, ["console"], {
      cwd: dir,
      input: `"${expression.replace(/^"|"$/g, "")}"\n`,
      encoding: "utf8",
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, ".terraformrc"), CHECKPOINT_DISABLE: "1" },
    });
    expect(result.stdout.trim()).toBe(
      '"${secretsmanager:cdc-lake-demo/postgres/cdc_lake_demo_cdc-20261126073000000000000001:password}"',
    );
  });
});
