import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig } from "../../src/config/parse";
import { PipelineConfigFileSchema } from "../../src/config/schema";
import { ConfigError } from "../../src/errors";
import { demoConfigData } from "../support/synth";

interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  propertyNames?: Node;
  items?: Node;
  oneOf?: Node[];
  anyOf?: Node[];
}

/** Every place a string can stand in a config file: `a.b.0.c`, `*` for a map key, `*=` for a map value. */
function stringPaths(node: Node, path: string[] = []): string[][] {
  const branches = [...(node.oneOf ?? []), ...(node.anyOf ?? [])].flatMap((b) => stringPaths(b, path));
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const here = types.includes("string") ? [path] : [];
  const props = Object.entries(node.properties ?? {}).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  const items = node.items ? stringPaths(node.items, [...path, "0"]) : [];
  const map =
    typeof node.additionalProperties === "object"
      ? [[...path, "*"], ...stringPaths(node.additionalProperties, [...path, "*="])]
      : [];
  return [...here, ...branches, ...props, ...items, ...map];
}

const TEMPLATES = ['${file("/etc/hostname")}', "%{ if true }x%{ endif }"];

/** The demo's data with `value` at `path` (creating what is missing), and the path as messages name it. */
function withValueAt(path: string[], value: string): { data: Record<string, any>; shown: string } {
  const data = demoConfigData();
  let node: any = data;
  const shown: string[] = [];
  for (const [i, key] of path.entries()) {
    const last = i === path.length - 1;
    if (key === "*") {
      node[value] = "v";
      shown.push(value);
      break;
    }
    const name = key === "*=" ? "Key" : key;
    shown.push(name);
    if (last) node[name] = value;
    else {
      if (node[name] === undefined || typeof node[name] !== "object")
        node[name] = /^\d+$/.test(path[i + 1] ?? "") ? [] : {};
      node = node[name];
    }
  }
  return { data, shown: shown.join(".") };
}

describe("Terraform templates in the config", () => {
  const schema = z.toJSONSchema(PipelineConfigFileSchema, { io: "input" }) as Node;
  const paths = stringPaths(schema).filter((p) => p.length > 0);

  it("finds every string field of the schema (tags, tunnel host, suppressions, state, names…)", () => {
    const names = paths.map((p) => p.join("."));
    for (const expected of [
      "tags.*",
      "tags.*=",
      "database.connectThrough.host",
      "guardrails.suppressions.0.reason",
      "state.keyPrefix",
      "project",
    ]) {
      expect(names).toContain(expected);
    }
    expect(paths.length).toBeGreaterThan(40);
  });

  it.each(TEMPLATES)("refuses %s in every string field, naming the field", (template) => {
    for (const path of paths) {
      const { data, shown } = withValueAt(path, template);
      let problems: readonly string[] = [];
      try {
        parseConfig(data, "t.yaml");
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      const what = path.at(-1) === "*" ? "key" : "value";
      expect(problems, shown).toContain(
        `${shown}: got ${what === "key" ? "the key " : ""}${JSON.stringify(template)}; expected a ${what} without "\${" or "%{" (Terraform would evaluate it as a template)`,
      );
    }
  });
});
