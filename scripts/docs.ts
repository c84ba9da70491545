// `npm run docs`: regenerates docs/config.md from the schema (`--check` fails when it is stale).
import { readFileSync, writeFileSync } from "node:fs";
import { renderConfigReference } from "../src/config/reference";

const FILE = "docs/config.md";
const expected = renderConfigReference();
if (process.argv.includes("--check")) {
  let actual = "";
  try {
    actual = readFileSync(FILE, "utf8");
  } catch {}
  if (actual !== expected) {
    console.error(`${FILE} is out of date: run npm run docs`);
    process.exit(1);
  }
} else {
  writeFileSync(FILE, expected);
  console.log(`wrote ${FILE}`);
}
