import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCdktfSynth, runSynth } from "../support/cli";
import { makeConnectorFixtures, writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-cli-zips-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("fails synth on a corrupt connector zip: one line naming the file and the fix, no stacks", () => {
  const connectors = writeConnectorsDir(join(root, "connectors")).dir;
  const sink = join(connectors, "confluentinc-kafka-connect-s3-10.6.7.zip");
  copyFileSync(makeConnectorFixtures(join(root, "fixtures")).notAZip, sink);
  const outdir = join(root, "out");
  mkdirSync(join(outdir, "stacks", "demo-platform"), { recursive: true });
  const run = runSynth({ PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: connectors }, outdir);
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(`${sink} is not a zip file: delete it and run npm run connectors:fetch\n`);
  expect(existsSync(join(outdir, "stacks"))).toBe(false);
});

it("synthesizes without warnings when every zip is in place", () => {
  const connectors = writeConnectorsDir(join(root, "complete")).dir;
  const outdir = join(root, "out-complete");
  const run = runSynth({ PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: connectors }, outdir);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(existsSync(join(outdir, "stacks", "demo-connectors", "cdk.tf.json"))).toBe(true);
});

it("npx cdktf synth warns once per missing zip and still writes every stack", () => {
  const outdir = join(root, "out-cdktf");
  const empty = join(root, "no-zips");
  const run = runCdktfSynth({ PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: empty }, outdir);
  expect(run.code).toBe(0);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the CLI's colour codes.
  const lines = (run.stdout + run.stderr).replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").split("\n");
  expect(lines.filter((l) => l.includes("is missing: run npm run connectors:fetch"))).toEqual([
    `WARN [demo-connectors]: ${empty}/debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
    `WARN [demo-connectors]: ${empty}/confluentinc-kafka-connect-s3-10.6.7.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
  ]);
  for (const stack of ["demo-platform", "demo-database", "demo-connectors"]) {
    expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
  }
});
