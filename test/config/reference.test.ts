import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConfigReference } from "../../src/config/reference";

describe("docs/config.md", () => {
  const reference = renderConfigReference();

  it("is up to date with the schema (npm run docs)", () => {
    expect(readFileSync("docs/config.md", "utf8")).toBe(reference);
  });

  it("documents every field with a description", () => {
    const rows = reference.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) expect(row).toMatch(/\| [^|]*\S[^|]* \|$/);
  });

  it("states the default of every optional field", () => {
    const optional = reference.split("\n").filter((line) => / \| no \| /.test(line));
    const undocumented = optional.filter(
      (line) =>
        !/Default:/.test(line) &&
        !/^\| `(network|streaming|storage|logs|connectors|encryption|guardrails|alerts)` /.test(line),
    );
    expect(undocumented).toEqual([]);
  });
});
