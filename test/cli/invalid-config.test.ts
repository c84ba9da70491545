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
import { PROJECT_ROOT, runCdktfSynth, runSynth } from "../support/cli";

const FIXTURES = join(PROJECT_ROOT, "test/fixtures/invalid");

/** Each fixture states the one line it must produce in its first line: `# expect: <line>`. */
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".yaml"))
  .map((file) => {
    const first = readFileSync(join(FIXTURES, file), "utf8").split("\n")[0] ?? "";
    const expected = /^# expect: (.+)$/.exec(first)?.[1];
    if (!expected) throw new Error(`${file}: first line must be "# expect: <message line>"`);
    return { file: `test/fixtures/invalid/${file}`, expected };
  });

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

describe("npm run synth with an invalid config", () => {
  it.each(fixtures)("$file: one line, exit 1, no stack trace, no stacks", ({ file, expected }) => {
    const outdir = outdirWithStaleStack();
    const run = runSynth({ PIPELINE_CONFIG: file }, outdir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${file}: invalid pipeline configuration\n  ${expected}\n`);
    expect(run.stdout).toBe("");
    expect(existsSync(join(outdir, "stacks"))).toBe(false);
    expect(existsSync(join(outdir, "manifest.json"))).toBe(false);
  });

  it("names a missing file and the variable that chose it", () => {
    const run = runSynth({ PIPELINE_CONFIG: "config/nope.yaml" }, outdirWithStaleStack());
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "config/nope.yaml: invalid pipeline configuration\n  file not found; expected a YAML config file (set PIPELINE_CONFIG, default config/demo.yaml)\n",
    );
  });
});

describe("npx cdktf synth with an invalid config", () => {
  it.each(fixtures)("$file: exits non-zero with the same line", ({ file, expected }) => {
    const outdir = outdirWithStaleStack();
    const run = runCdktfSynth({ PIPELINE_CONFIG: file }, outdir);
    expect(run.code).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output).toContain(`${file}: invalid pipeline configuration\n`);
    expect(output).toContain(`  ${expected}\n`);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(existsSync(join(outdir, "stacks"))).toBe(false);
  });
});

describe("synth of the demo", () => {
  it("writes all three stacks, warning once per missing connector zip", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-cli-"));
    outdirs.push(outdir);
    const emptyConnectors = join(outdir, "connectors");
    const run = runSynth({ PIPELINE_CONFIG: "", CDC_CONNECTORS_DIR: emptyConnectors }, outdir);
    expect(run.code).toBe(0);
    expect(run.stderr.split("\n").filter(Boolean)).toEqual([
      `warning: ${emptyConnectors}/debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips) [demo-connectors]`,
      `warning: ${emptyConnectors}/confluentinc-kafka-connect-s3-10.6.7.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips) [demo-connectors]`,
    ]);
    for (const stack of ["demo-platform", "demo-database", "demo-connectors"]) {
      expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(outdir, "stacks/demo-platform/cdk.tf.json"), "utf8"));
    expect(json.terraform.backend.local.path).toBe("../../../state/demo-platform.tfstate");
  });
});
