import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runSynth } from "../support/cli";
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
