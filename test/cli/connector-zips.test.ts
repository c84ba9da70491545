import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { formatLock, lockForManifest } from "../../src/plugins/lock";
import { loadManifest } from "../../src/plugins/manifest";
import { runCdktfSynth, runSynth } from "../support/cli";
import { makeConnectorFixtures, writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-cli-zips-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DEBEZIUM_ZIP = "debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip";
const SINK_ZIP = "confluentinc-kafka-connect-s3-10.6.7.zip";
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the CLI's colour codes.
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").split("\n");

it("fails synth on a corrupt connector zip: one line naming the file and the fix, no stacks", () => {
  const connectors = writeConnectorsDir(join(root, "connectors")).dir;
  const sink = join(connectors, SINK_ZIP);
  copyFileSync(makeConnectorFixtures(join(root, "fixtures")).notAZip, sink);
  const outdir = join(root, "out");
  mkdirSync(join(outdir, "stacks", "demo-platform"), { recursive: true });
  const run = runSynth({ PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: connectors }, outdir);
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(`${sink} is not a zip file: delete it and run npm run connectors:fetch\n`);
  expect(existsSync(join(outdir, "stacks"))).toBe(false);
});

it("synthesizes without connector warnings when every zip is in place and pinned", () => {
  const zips = writeConnectorsDir(join(root, "complete"));
  const outdir = join(root, "out-complete");
  const run = runSynth(
    { PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: zips.dir, CDC_CONNECTORS_LOCK: zips.lockFile },
    outdir,
  );
  expect(run.code).toBe(0);
  expect(run.stderr.split("\n").filter((l) => l.includes("[demo-connectors]"))).toEqual([]);
  expect(existsSync(join(outdir, "stacks", "demo-connectors", "cdk.tf.json"))).toBe(true);
});

it("npx cdktf synth of a fresh clone (no zips, pins unrecorded) warns in one line and writes the whole connectors stack", () => {
  const outdir = join(root, "out-fresh");
  const empty = join(root, "no-zips");
  // The lock as a fresh clone has it while the repository records no pin: every sha256 null.
  const lockFile = join(root, "unrecorded.lock.json");
  writeFileSync(lockFile, formatLock(lockForManifest(loadManifest(), {})));
  const run = runCdktfSynth(
    { PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: empty, CDC_CONNECTORS_LOCK: lockFile },
    outdir,
  );
  expect(run.code).toBe(0);
  expect(plain(run.stdout + run.stderr).filter((l) => l.includes("[demo-connectors]"))).toEqual([
    `WARN [demo-connectors]: ${lockFile} has no sha256 recorded yet for ${DEBEZIUM_ZIP}, ${SINK_ZIP}: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it; until then the connectors stack's plan refuses`,
  ]);
  for (const stack of ["demo-platform", "demo-database", "demo-connectors"]) {
    expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
  }
  const json = JSON.parse(readFileSync(join(outdir, "stacks", "demo-connectors", "cdk.tf.json"), "utf8"));
  expect(Object.keys(json.resource.aws_mskconnect_connector)).toHaveLength(2);
  expect(Object.keys(json.resource.aws_mskconnect_custom_plugin)).toHaveLength(2);
});

it("npm run synth with the pins recorded but no zips warns once per missing zip", () => {
  const zips = writeConnectorsDir(join(root, "pinned"));
  const empty = join(root, "pinned-no-zips");
  const run = runSynth(
    { PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: empty, CDC_CONNECTORS_LOCK: zips.lockFile },
    join(root, "out-pinned"),
  );
  expect(run.code).toBe(0);
  expect(run.stderr.split("\n").filter((l) => l.includes("[demo-connectors]"))).toEqual([
    `warning: ${empty}/${DEBEZIUM_ZIP} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips) [demo-connectors]`,
    `warning: ${empty}/${SINK_ZIP} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips) [demo-connectors]`,
  ]);
});
