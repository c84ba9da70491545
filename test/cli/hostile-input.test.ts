/**
 * The hostile and mistaken configs of test/fixtures/hostile/<class>/: each is run through the synth
 * command (and a sample through `npx cdktf synth`) and must either be refused with one line per problem
 * naming the field and the fix, a non-zero exit, no stack trace and no stacks left behind, or be accepted
 * with output proven safe.
 *
 * A fixture's header: `# base: demo|production` makes the rest a merge patch over config/<base>.yaml
 * (objects merge, lists replace, null deletes); without it the file is the config, byte for byte.
 * `# expect: <text>` lines must each begin a line of the output; `# expect-guardrail: <rule> <level> <path>`
 * names a finding that fails synth of a valid config; `# accept: <why>` marks one that must pass.
 */
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
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT, runCdktfSynth, runSynth } from "../support/cli";
import { fixtureBase, patchedConfigText } from "../support/fixture-config";

const ROOT = join(PROJECT_ROOT, "test/fixtures/hostile");
const work = mkdtempSync(join(tmpdir(), "cdc-lake-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Fixture {
  readonly name: string;
  readonly group: string;
  /** The config file the synth reads. */
  readonly file: string;
  readonly expect: readonly string[];
  /** `# expect-guardrail: <rule> <level> <construct path>`: the config is valid, a guardrail fails synth. */
  readonly guardrail: readonly string[];
  readonly accept?: string;
  readonly base?: string;
  readonly patch?: Record<string, unknown>;
}

function headerText(bytes: Buffer): string {
  // A UTF-16 fixture states its expectation in UTF-16 too.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  return bytes.toString("latin1");
}

function load(group: string, name: string): Fixture {
  const path = join(ROOT, group, name);
  const bytes = readFileSync(path);
  const header = headerText(bytes)
    .split("\n")
    .filter((line) => line.startsWith("# "));
  const field = (key: string) =>
    header.filter((l) => l.startsWith(`# ${key}: `)).map((l) => l.slice(key.length + 4).replace(/\r$/, ""));
  const base = fixtureBase(header);
  const expectLines = field("expect");
  const guardrail = field("expect-guardrail");
  const accept = field("accept")[0];
  if (expectLines.length + guardrail.length === 0 && !accept) {
    throw new Error(`${group}/${name}: needs "# expect:", "# expect-guardrail:" or "# accept:"`);
  }
  if (!base)
    return { name, group, file: relative(PROJECT_ROOT, path), expect: expectLines, guardrail, accept };
  const patch = parse(bytes.toString("utf8")) as Record<string, unknown>;
  const dir = join(work, group);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, patchedConfigText(PROJECT_ROOT, base, bytes.toString("utf8")));
  return { name, group, file, expect: expectLines, guardrail, accept, base, patch };
}

const groups = readdirSync(ROOT).filter((g) => !g.includes("."));
const fixtures = groups.flatMap((group) =>
  readdirSync(join(ROOT, group))
    .filter((f) => f.endsWith(".yaml"))
    .map((name) => load(group, name)),
);

/** An output folder already holding a stack and manifest from an earlier synth, which must not survive. */
function staleOutdir(): string {
  const outdir = mkdtempSync(join(work, "out-"));
  mkdirSync(join(outdir, "stacks", "demo-platform"), { recursive: true });
  writeFileSync(join(outdir, "stacks", "demo-platform", "cdk.tf.json"), "{}");
  writeFileSync(join(outdir, "manifest.json"), "{}");
  return outdir;
}

/** Every string in a value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe("the hostile-input corpus", () => {
  it("has at least 60 fixtures, in classes, on both profiles", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
    expect(new Set(fixtures.map((f) => f.base))).toEqual(new Set([undefined, "demo", "production"]));
    expect(groups.length).toBeGreaterThanOrEqual(6);
  });
});

for (const group of groups) {
  describe(`hostile input: ${group}`, () => {
    const refused = fixtures.filter((f) => f.group === group && !f.accept && f.guardrail.length === 0);
    const failedGuardrails = fixtures.filter((f) => f.group === group && f.guardrail.length > 0);
    const accepted = fixtures.filter((f) => f.group === group && f.accept);

    it.each(refused.map((f) => [f.name, f] as const))(
      "%s: refused in one line per problem, exit 1, no trace, no stacks",
      (_name, f) => {
        const outdir = staleOutdir();
        const run = runSynth({ PIPELINE_CONFIG: f.file }, outdir);
        expect(run.code, run.stderr).toBe(1);
        expect(run.stdout).toBe("");
        // Warnings (a missing connector zip) may precede a problem found once synth has run.
        const lines = run.stderr
          .trimEnd()
          .split("\n")
          .filter((l) => !l.startsWith("warning: "));
        expect(lines[0]).toBe(`${f.file}: invalid pipeline configuration`);
        for (const line of lines.slice(1)) {
          // One problem a line: a field path (or YAML position, or "file"), then what was wrong.
          expect(line).toMatch(
            /^ {2}(\S.*?: got |file |YAML: |line \d+, column \d+: |… and \d+ more problems$)/,
          );
          expect(line.length).toBeLessThan(400);
        }
        // An expectation is a whole line, or its beginning when the rest is long (a list of allowed values).
        for (const expected of f.expect) {
          expect(
            lines.slice(1).some((l) => l.startsWith(`  ${expected}`)),
            `${expected}\n${run.stderr}`,
          ).toBe(true);
        }
        expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        expect(existsSync(join(outdir, "stacks"))).toBe(false);
        expect(existsSync(join(outdir, "manifest.json"))).toBe(false);
      },
    );

    it.each(failedGuardrails.map((f) => [f.name, f] as const))(
      "%s: a valid config whose guardrail finding fails synth, one line each, no stacks",
      (_name, f) => {
        const outdir = staleOutdir();
        const run = runSynth({ PIPELINE_CONFIG: f.file, CDC_CONNECTORS_DIR: join(outdir, "none") }, outdir);
        expect(run.code, run.stderr).toBe(1);
        const lines = run.stderr.split("\n").filter((l) => !l.startsWith("warning: "));
        expect(lines[0]).toMatch(/^guardrails: \d+ finding\(s\) at or above guardrails\.failOn/);
        for (const finding of f.guardrail)
          expect(lines.some((l) => l.startsWith(`  ${finding}: `))).toBe(true);
        expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        expect(existsSync(join(outdir, "stacks"))).toBe(false);
      },
    );

    it.each(accepted.map((f) => [f.name, f] as const))(
      "%s: accepted, and what reaches the JSON is literal",
      (_n, f) => {
        const outdir = staleOutdir();
        const run = runSynth({ PIPELINE_CONFIG: f.file, CDC_CONNECTORS_DIR: join(outdir, "none") }, outdir);
        expect(run.code, run.stderr).toBe(0);
        const stacks = readdirSync(join(outdir, "stacks"));
        // Only this synth's stacks: the stale demo-platform of another run is gone unless this run wrote it.
        const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
        expect(stacks.sort()).toEqual(Object.keys(manifest.stacks).sort());
        const json = stacks
          .map((s) => readFileSync(join(outdir, "stacks", s, "cdk.tf.json"), "utf8"))
          .join("\n");
        // Each string the fixture sets reaches the JSON verbatim (or not at all), never as a template.
        for (const text of strings(f.patch)) {
          expect(text).not.toMatch(/[$%]\{/);
          if (json.includes(JSON.stringify(text).slice(1, -1))) expect(json).not.toContain(`\${${text}`);
        }
      },
    );
  });
}

describe("npx cdktf synth with hostile input (a sample)", () => {
  const sample = ["tag-value-file.yaml", "alias-bomb.yaml", "allowed-half-internet.yaml", "utf16.yaml"];
  it.each(fixtures.filter((f) => sample.includes(f.name)).map((f) => [f.name, f] as const))(
    "%s: non-zero exit with the same line, no stack trace, no stacks",
    (_n, f) => {
      const outdir = staleOutdir();
      const run = runCdktfSynth({ PIPELINE_CONFIG: f.file }, outdir);
      expect(run.code).not.toBe(0);
      const output = run.stdout + run.stderr;
      expect(output).toContain(`${f.file}: invalid pipeline configuration\n`);
      for (const expected of f.expect) expect(output).toContain(`  ${expected}\n`);
      expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(existsSync(join(outdir, "stacks"))).toBe(false);
    },
  );
});
