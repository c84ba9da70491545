import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCdktfSynth, runSynth } from "../support/cli";
import { writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-cli-profiles-"));
const connectors = writeConnectorsDir(join(root, "connectors")).dir;
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("npx cdktf synth of the production profile succeeds with no findings", () => {
  const outdir = join(root, "prod");
  const run = runCdktfSynth(
    { PIPELINE_CONFIG: "config/production.yaml", CDC_CONNECTORS_DIR: connectors },
    outdir,
  );
  expect(run.code).toBe(0);
  const output = run.stdout + run.stderr;
  expect(output).not.toMatch(/CDC-[A-Z0-9-]+ (error|warning)|guardrails:|WARN/);
  for (const stack of ["prod-platform", "prod-database", "prod-connectors"]) {
    expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
  }
});

it("npm run synth of the demo prints its declared relaxations, and nothing else", () => {
  const run = runSynth(
    { PIPELINE_CONFIG: "config/demo.yaml", CDC_CONNECTORS_DIR: connectors },
    join(root, "demo"),
  );
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  expect(run.stdout.split("\n")[0]).toBe("guardrails: 15 finding(s) suppressed by config:");
  expect(run.stdout).toContain(
    "  CDC-RDS1 (1): psql from the operator's machine, as in the seed lab; only database.allowedCidrs may connect\n",
  );
});
