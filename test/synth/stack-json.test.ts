/**
 * PipelineStack keeps the JSON cdktf's preparation resolves and assembles the stack's JSON from it
 * (src/stacks/pipeline-stack.ts, prepareStack and toTerraform). What it writes must be exactly what cdktf's
 * own TerraformStack.toTerraform writes, for every shipped config, the hostile configs synth accepts and
 * 500 tables.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, Fn, Lazy, type TerraformElement, TerraformLocal, TerraformStack, Token } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { manyTablesConfig } from "../../scripts/lib/bundle-bench";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { parseConfigText } from "../../src/config/parse";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { PipelineStack } from "../../src/stacks/pipeline-stack";
import { fixtureBase, patchedConfigText } from "../support/fixture-config";
import { DEMO_CONFIG } from "../support/synth";

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function built(config: PipelineConfig) {
  const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-stack-json-"));
  outdirs.push(outdir);
  const plugins = loadPlugins(join(outdir, "no-connectors"));
  return { outdir, ...buildPipelineApp(config, plugins, { outdir }) };
}

const inFolder = (dir: string) => readdirSync(dir).map((name) => `${dir}/${name}`);

/** The shipped configs, and the hostile ones synth accepts (punctuation, unicode and `${` in user strings). */
const SHIPPED = [
  DEMO_CONFIG,
  "config/production.yaml",
  ...inFolder("config/examples"),
  ...inFolder("test/fixtures/hostile/accepted-safe"),
];

/** A shipped config, or a hostile fixture (a patch over a shipped config, `# base:`). */
function configOf(file: string): PipelineConfig {
  const text = readFileSync(file, "utf8");
  const base = fixtureBase(text.split("\n"));
  return base === undefined
    ? loadConfigFile(file)
    : parseConfigText(patchedConfigText(".", base, text), file);
}

const CONFIGS: [string, () => PipelineConfig][] = [
  ...SHIPPED.map((file): [string, () => PipelineConfig] => [file, () => configOf(file)]),
  [
    "the bench's 500 tables",
    () => parseConfigText(manyTablesConfig(readFileSync(DEMO_CONFIG, "utf8")), "500-tables.yaml"),
  ],
];

describe("a stack's JSON is cdktf's own", () => {
  it.each(CONFIGS)("%s: every stack, as written and as TerraformStack.toTerraform makes it", (_, config) => {
    const { app, outdir, platform, database, connectors } = built(config());
    app.synth();
    for (const stack of [platform, database, connectors]) {
      const written = readFileSync(join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8");
      // cdktf's own assembly, which resolves every element again (the stacks are prepared by now).
      const cdktfs = TerraformStack.prototype.toTerraform.call(stack);
      expect(JSON.stringify(stack.toTerraform()), stack.node.id).toBe(JSON.stringify(cdktfs));
      expect(JSON.parse(written), stack.node.id).toEqual(cdktfs);
    }
  });
});

describe("a synth resolves each element once", () => {
  it("every element of the demo's stacks makes its JSON once per synth (cdktf alone makes it twice)", () => {
    const { app, platform, database, connectors } = built(loadConfigFile(DEMO_CONFIG));
    const calls = new Map<string, number>();
    for (const stack of [platform, database, connectors]) {
      for (const node of stack.node.findAll()) {
        if (!("toTerraform" in node) || node === stack) continue;
        const element = node as TerraformElement;
        const own = element.toTerraform.bind(element);
        element.toTerraform = () => {
          calls.set(element.node.path, (calls.get(element.node.path) ?? 0) + 1);
          return own();
        };
      }
    }
    app.synth();
    expect(calls.size).toBeGreaterThan(50);
    expect([...calls].filter(([, n]) => n !== 1)).toEqual([]);
  });
});

describe("a stack's JSON is cdktf's own, token by token", () => {
  it("string, number, list and map tokens, numbers in strings, nested and undefined values", () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), "cdc-lake-stack-json-")),
      skipValidation: true,
    });
    outdirs.push(app.outdir);
    const stack = new (class extends PipelineStack {})(app, "s", {
      region: "eu-west-1",
      state: { backend: "local", directory: "state" },
      tags: { team: "data" },
    });
    const bucket = new S3Bucket(stack, "Bucket", { bucket: "b" });
    const count = Token.asNumber(bucket.id);
    new TerraformLocal(stack, "Values", {
      plain: { a: "1e5 is not a token", b: [1, 2.5e3, -0, null, true], c: undefined, d: { e: undefined } },
      string: `arn:${bucket.arn}/*`,
      number: count,
      sum: `${count}`,
      inString: `n=${count}e`,
      list: Token.asList(bucket.id),
      listInArray: [Fn.upper(bucket.id), "x"],
      map: Token.asStringMap(bucket.tags),
      lazy: Lazy.anyValue({ produce: () => ({ deep: [bucket.bucketDomainName, { k: "v" }] }) }),
      fn: Fn.lookup(bucket.tags, "k", "default"),
    });
    app.synth();
    expect(JSON.stringify(stack.toTerraform())).toBe(
      JSON.stringify(TerraformStack.prototype.toTerraform.call(stack)),
    );
  });
});
