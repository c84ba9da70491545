import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCdktfSynth, runSynth } from "../support/cli";
import { writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-cli-profiles-"));
// Fixture zips with their own lock (pins recorded), as after a first fetch on a connected machine.
const fixtures = writeConnectorsDir(join(root, "connectors"));
const connectors = { CDC_CONNECTORS_DIR: fixtures.dir, CDC_CONNECTORS_LOCK: fixtures.lockFile };
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("npx cdktf synth of the production profile succeeds with no findings", () => {
  const outdir = join(root, "prod");
  const run = runCdktfSynth({ PIPELINE_CONFIG: "config/production.yaml", ...connectors }, outdir);
  expect(run.code).toBe(0);
  const output = run.stdout + run.stderr;
  expect(output).not.toMatch(/CDC-[A-Z0-9-]+ (error|warning)|guardrails:|WARN/);
  for (const stack of ["prod-platform", "prod-database", "prod-connectors"]) {
    expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
  }
});

it("npm run synth of the demo prints its declared relaxations and its documentation address, nothing else", () => {
  const run = runSynth({ PIPELINE_CONFIG: "config/demo.yaml", ...connectors }, join(root, "demo"));
  expect(run.code).toBe(0);
  expect(run.stderr).toBe(
    "warning: database.allowedCidrs: 203.0.113.10/32 is a documentation address (RFC 5737), not yours: the database stack will time out reaching PostgreSQL until you replace it with your address (curl ifconfig.io)/32 [demo-platform]\n",
  );
  expect(run.stdout.split("\n")[0]).toBe("guardrails: 25 finding(s) suppressed by config:");
  expect(run.stdout).toContain(
    "  CDC-RDS1 (1): psql from the operator's machine, as in the seed lab; only database.allowedCidrs may connect\n",
  );
});
