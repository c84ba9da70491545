import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-examples-"));
const zips = writeConnectorsDir(join(root, "connectors")).dir;
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every example is a production-shaped pipeline: it passes every guardrail without suppressing any. */
describe("config/examples", () => {
  const examples = readdirSync("config/examples").filter((f) => f.endsWith(".yaml"));

  it("holds the examples the README lists, the multi-source and many-table ones included", () => {
    expect(examples).toEqual(
      expect.arrayContaining(["multi-schema.yaml", "multi-source.yaml", "many-tables.yaml"]),
    );
  });

  for (const file of examples) {
    it(`${file}: synthesizes with zero guardrail findings and no suppression`, () => {
      const config = loadConfigFile(join("config/examples", file));
      const outdir = mkdtempSync(join(root, "out-"));
      const { app, guardrails } = buildPipelineApp(config, loadPlugins(zips), { outdir });
      app.synth();
      expect(config.guardrails.suppressions).toEqual([]);
      expect(guardrails.findings.map((f) => `${f.rule.id} ${f.path}`)).toEqual([]);
    });
  }
});
