import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runSynth } from "../support/cli";

const outdirs: string[] = [];
/** An output folder that already holds a stack from an earlier synth, which must not survive. */
function outdirWithStaleStack(): string {
  const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-cli-"));
  mkdirSync(join(outdir, "stacks", "demo-platform"), { recursive: true });
  writeFileSync(join(outdir, "stacks", "demo-platform", "cdk.tf.json"), "{}");
  writeFileSync(join(outdir, "manifest.json"), "{}");
  outdirs.push(outdir);
  return outdir;
}
afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// The corpus of invalid and hostile configs is test/cli/hostile-input.test.ts (test/fixtures/hostile).
describe("npm run synth with an invalid config", () => {
  it("names a missing file and the variable that chose it", () => {
    const run = runSynth({ PIPELINE_CONFIG: "config/nope.yaml" }, outdirWithStaleStack());
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "config/nope.yaml: invalid pipeline configuration\n  file not found; expected a YAML config file (set PIPELINE_CONFIG, default config/demo.yaml)\n",
    );
  });
});

describe("synth of the demo", () => {
  it("writes all three stacks, warning about the documentation address and the plugin pins not yet recorded", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-cli-"));
    outdirs.push(outdir);
    const emptyConnectors = join(outdir, "connectors");
    const run = runSynth({ PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: emptyConnectors }, outdir);
    expect(run.code).toBe(0);
    expect(run.stderr.split("\n").filter(Boolean)).toEqual([
      // The demo's operator address is an RFC 5737 example: one line, with how to find yours.
      "warning: database.allowedCidrs: 203.0.113.10/32 is a documentation address (RFC 5737), not yours: the database stack will time out reaching PostgreSQL until you replace it with your address (curl ifconfig.io)/32 [demo-platform]",
      // connectors/connectors.lock.json is committed with its pins still unrecorded (no network here).
      "warning: connectors/connectors.lock.json has no sha256 recorded yet for debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip, confluentinc-kafka-connect-s3-10.6.7.zip: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it; until then the connectors stack's plan refuses [demo-connectors]",
    ]);
    for (const stack of ["demo-platform", "demo-database", "demo-connectors"]) {
      expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(outdir, "stacks/demo-platform/cdk.tf.json"), "utf8"));
    expect(json.terraform.backend.local.path).toBe("../../../state/demo-platform.tfstate");
  });
});

describe("synth's output folder", () => {
  it("holds only this run's stacks: production after demo leaves no demo stack", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-cli-"));
    outdirs.push(outdir);
    const none = join(outdir, "connectors");
    expect(runSynth({ PIPELINE_CONFIG: "config/demo.yaml", CDC_CONNECTORS_DIR: none }, outdir).code).toBe(0);
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual([
      "demo-connectors",
      "demo-database",
      "demo-platform",
    ]);
    const run = runSynth({ PIPELINE_CONFIG: "config/production.yaml", CDC_CONNECTORS_DIR: none }, outdir);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual([
      "prod-connectors",
      "prod-database",
      "prod-platform",
    ]);
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual([
      "prod-connectors",
      "prod-database",
      "prod-platform",
    ]);
  });
});

describe("a config file that is not one", () => {
  it("is refused by its size before it is parsed, without echoing it", () => {
    const outdir = outdirWithStaleStack();
    const file = join(outdir, "huge.yaml");
    writeFileSync(file, `project: ${"x".repeat(2 * 1024 * 1024)}\n`);
    const run = runSynth({ PIPELINE_CONFIG: file }, outdir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${file}: invalid pipeline configuration\n  file is 2.0 MiB; expected a YAML config file of at most 1.0 MiB\n`,
    );
    expect(existsSync(join(outdir, "stacks"))).toBe(false);
  });

  it("is refused when it is a folder", () => {
    const outdir = outdirWithStaleStack();
    const run = runSynth({ PIPELINE_CONFIG: "config" }, outdir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "config: invalid pipeline configuration\n  is a folder; expected a YAML config file (set PIPELINE_CONFIG, default config/demo.yaml)\n",
    );
  });
});
