// `npm run docs`: regenerates the documents generated from code (`--check` fails when one is stale):
// docs/config.md from the config schema, RULES.md from the guardrails, and README's demo-vs-production
// table from the rules and config/demo.yaml's suppressions.
import { readFileSync, writeFileSync } from "node:fs";
import { loadConfigFile } from "../src/config/load";
import { renderConfigReference } from "../src/config/reference";
import { renderDemoVsProduction, renderRules, withDemoTable } from "../src/guardrails/docs";

const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};
const readme = read("README.md");
const expected: Record<string, string> = {
  "docs/config.md": renderConfigReference(),
  "RULES.md": renderRules(),
  "README.md": withDemoTable(
    readme,
    renderDemoVsProduction(loadConfigFile("config/demo.yaml").guardrails.suppressions),
  ),
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
