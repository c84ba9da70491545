import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { renderDemoVsProduction, renderRules } from "../../src/guardrails/docs";
import { ALL_RULES } from "../../src/guardrails/rules";

describe("generated guardrail documents", () => {
  it("RULES.md lists every rule from its own metadata (npm run docs)", () => {
    const rules = readFileSync("RULES.md", "utf8");
    expect(rules).toBe(renderRules());
    for (const rule of ALL_RULES) expect(rules).toContain(`| ${rule.id} | ${rule.level} |`);
  });

  it("README's demo-vs-production table is built from the demo's suppressions (npm run docs)", () => {
    const table = renderDemoVsProduction(loadConfigFile("config/demo.yaml").guardrails.suppressions);
    expect(readFileSync("README.md", "utf8")).toContain(table);
    expect(table.split("\n").filter((l) => l.startsWith("| CDC-"))).toHaveLength(
      loadConfigFile("config/demo.yaml").guardrails.suppressions.length,
    );
  });
});
