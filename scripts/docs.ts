// `npm run docs`: regenerates the documents generated from code (`--check` fails when one is stale):
// config/pipeline.schema.json (the config's JSON Schema, for editors) and docs/config.md from the config
// schema, RULES.md from the guardrails, README's demo-vs-production table from the rules and
// config/demo.yaml's suppressions, and connectors/README.md's plugin table from connectors/connectors.json.
import { readFileSync, writeFileSync } from "node:fs";
import { loadConfigFile } from "../src/cli/load-config";
import { renderDemoVsProduction, renderRules, withDemoTable } from "../src/guardrails/docs";
import {
  CONFIG_SCHEMA_FILE,
  configJsonSchema,
  renderConfigJsonSchema,
  renderConfigReference,
} from "./lib/config-reference";
import { CONNECTORS_README, withPluginTable } from "./lib/connectors-readme";

const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};
const schema = configJsonSchema();
const expected: Record<string, string> = {
  [CONFIG_SCHEMA_FILE]: renderConfigJsonSchema(schema),
  "docs/config.md": renderConfigReference(schema),
  "RULES.md": renderRules(),
  "README.md": withDemoTable(
    read("README.md"),
    renderDemoVsProduction(loadConfigFile("config/demo.yaml").guardrails.suppressions),
  ),
  [CONNECTORS_README]: withPluginTable(read(CONNECTORS_README)),
};
const stale = Object.entries(expected).filter(([file, text]) => read(file) !== text);
if (process.argv.includes("--check")) {
  for (const [file] of stale) console.error(`${file} is out of date: run npm run docs`);
  process.exit(stale.length > 0 ? 1 : 0);
}
for (const [file, text] of stale) {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
