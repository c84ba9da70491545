import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  configJsonSchema,
  configReferenceRows,
  renderConfigReference,
} from "../../scripts/lib/config-reference";

describe("docs/config.md", () => {
  const schema = configJsonSchema();
  const reference = renderConfigReference(schema);
  const rows = configReferenceRows(schema);
  /** The table's rows as written: cells split on unescaped pipes. */
  const table = reference
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((c) => c.trim()),
    );

  it("is up to date with the schema (npm run docs)", () => {
    expect(readFileSync("docs/config.md", "utf8")).toBe(reference);
  });

  it("has one row per field, with the columns field | type | required | default | description", () => {
    expect(reference).toContain("| field | type | required | default | description |");
    expect(rows.length).toBeGreaterThan(40);
    expect(table).toHaveLength(rows.length);
    for (const cells of table) {
      expect(cells).toHaveLength(5);
      expect(["yes", "no"]).toContain(cells[2]);
    }
  });

  it("documents every field with a description", () => {
    expect(rows.filter((r) => r.description.trim() === "").map((r) => r.path)).toEqual([]);
    for (const cells of table) expect(cells[4]).toMatch(/\S/);
  });

  it("states the default of every optional field, from the schema or, when derived, in its description", () => {
    const undocumented = rows.filter(
      (r) => !r.required && r.default === undefined && !/Default:/.test(r.description),
    );
    expect(undocumented.map((r) => r.path)).toEqual([]);
    // The default column is the schema's `default`, as inline code.
    const vpcCidr = table.find((cells) => cells[0] === "`network.vpcCidr`");
    expect(vpcCidr?.[3]).toBe('`"10.0.0.0/16"`');
  });

  it("marks as required exactly the fields the file must set", () => {
    const required = rows.filter((r) => r.required).map((r) => r.path);
    expect(required).toEqual(
      expect.arrayContaining(["project", "environment", "region", "database.databaseName"]),
    );
    expect(required).toContain("capture.tables[].table");
    expect(required).toEqual(expect.arrayContaining(["sources[].name", "sources[].adminSecretArn"]));
    // Optional as sections: a pipeline has the managed source, existing ones (sources), or both.
    expect(required).not.toContain("database");
    expect(required).not.toContain("capture");
    expect(required).not.toContain("network");
    expect(required).not.toContain("capture.tables[].schema");
  });

  it("renders the state union (local | s3) and the lists of objects", () => {
    const paths = rows.map((r) => r.path);
    expect(rows.find((r) => r.path === "state")?.type).toMatch(/"local" \| "s3"/);
    expect(rows.filter((r) => r.path === "state.backend").map((r) => r.type)).toEqual(['"local"', '"s3"']);
    expect(paths).toEqual(expect.arrayContaining(["state.directory", "state.bucket", "state.keyPrefix"]));
    expect(rows.find((r) => r.path === "state.bucket")?.required).toBe(true);
    expect(rows.find((r) => r.path === "capture.tables")?.type).toBe("list of object");
    expect(paths).toEqual(
      expect.arrayContaining([
        "capture.tables[].schema",
        "capture.tables[].table",
        "guardrails.suppressions[].rule",
        "guardrails.suppressions[].reason",
      ]),
    );
  });
});
