import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfigText, quickLoad, thoroughLoad } from "../../src/config/parse";
import { ConfigError } from "../../src/errors";

const shipped = [
  "config/demo.yaml",
  "config/production.yaml",
  ...readdirSync("config/examples").map((f) => `config/examples/${f}`),
];

describe("two YAML parsers, one meaning (src/config/parse.ts)", () => {
  for (const file of shipped) {
    it(`${file}: js-yaml's quick reading equals yaml's`, () => {
      const text = readFileSync(file, "utf8");
      const quick = quickLoad(text);
      expect(quick.ok).toBe(true);
      expect(quick.ok && quick.data).toEqual(thoroughLoad(text, file));
    });
  }

  it("reads YAML 1.2 core scalars alike: dates, yes/no, octal, special floats stay what yaml makes them", () => {
    const text = "a: 2024-01-01\nb: yes\nc: 0o17\nd: .inf\ne: ~\nf: '0x1F'\ng: 0x1F\n";
    const quick = quickLoad(text);
    expect(quick).toEqual({ ok: true, data: thoroughLoad(text, "t.yaml") });
    expect(quick.ok && quick.data).toEqual({
      a: "2024-01-01",
      b: "yes",
      c: 15,
      d: Infinity,
      e: null,
      f: "0x1F",
      g: 31,
    });
  });

  it("leaves files with aliased lists or maps to yaml, which caps their expansion", () => {
    expect(quickLoad("a: &x [1, 2]\nb: *x\n")).toEqual({ ok: false });
    expect(quickLoad("a: &x [*x]\n")).toEqual({ ok: false });
    // Aliased scalars are plain values: nothing to expand.
    expect(quickLoad("a: &x one\nb: *x\n")).toEqual({ ok: true, data: { a: "one", b: "one" } });
  });

  it("fails with yaml's position when js-yaml refuses the file", () => {
    const problems = (text: string) => {
      try {
        parseConfigText(text, "t.yaml");
      } catch (error) {
        if (error instanceof ConfigError) return [...error.problems];
        throw error;
      }
      return [];
    };
    expect(quickLoad("a: 1\na: 2\n")).toEqual({ ok: false });
    expect(problems("a: 1\na: 2\n")).toEqual(["line 2, column 1: Map keys must be unique"]);
    expect(problems("a: !!python/name:os.system\n")).toEqual([
      "line 1, column 4: Unresolved tag: tag:yaml.org,2002:python/name:os.system",
    ]);
  });
});
