import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { escapeTemplate, escapeTemplates } from "../../src/constructs/terraform/escape-template";
import { RawLocal, RawResource } from "../../src/constructs/terraform/raw-resource";
import { PipelineStack } from "../../src/stacks/pipeline-stack";

class Stack extends PipelineStack {}

function stack(): PipelineStack {
  const app = new App({ outdir: "/tmp/raw-resource-test", skipValidation: true, stackTraces: false });
  return new Stack(app, "s", {
    region: "us-east-1",
    state: { backend: "local", directory: "state" },
    tags: {},
  });
}

describe("RawResource", () => {
  it("lands in the stack's JSON as given, at the address a provider class at the same path gets", () => {
    const s = stack();
    const scope = new Construct(s, "Lake");
    const raw = new RawResource(scope, "Table-a.b", "aws_glue_catalog_table", {
      name: "t",
      depends_on: ["aws_glue_catalog_database.x"],
    });
    // Not in cdk.tf.json: beside it (RAW_RESOURCES_FILE), from rawTerraform().
    expect(
      (s.toTerraform() as { resource?: Record<string, unknown> }).resource?.aws_glue_catalog_table,
    ).toBeUndefined();
    expect(s.rawTerraform()?.resource.aws_glue_catalog_table?.[raw.logicalId]).toEqual({
      "//": { metadata: { path: "s/Lake/Table-a.b", uniqueId: raw.logicalId } },
      name: "t",
      depends_on: ["aws_glue_catalog_database.x"],
    });
    // A provider class at the same construct path, in a stack of its own: the same logical id.
    const other = new TerraformStack(
      new App({ outdir: "/tmp/raw-resource-test-2", skipValidation: true }),
      "s",
    );
    const classic = new GlueCatalogTable(new Construct(other, "Lake"), "Table-a.b", {
      name: "t",
      databaseName: "d",
    });
    expect(raw.logicalId).toBe(classic.friendlyUniqueId);
    expect(raw.address).toBe(`aws_glue_catalog_table.${classic.friendlyUniqueId}`);
  });

  it("fails if its body holds a cdktf token, which nothing would resolve", () => {
    const s = stack();
    const classic = new GlueCatalogTable(s, "Db", { name: "t", databaseName: "d" });
    expect(() => new RawResource(s, "Raw", "aws_glue_catalog_table", { name: classic.name })).toThrow(
      "s/Raw: got a cdktf token in raw Terraform data; expected plain data (see RawResource)",
    );
  });

  it("takes a logical id of its own, for an address users type, and refuses one Terraform would not", () => {
    const s = stack();
    const raw = new RawResource(
      s,
      "Tables",
      "aws_glue_catalog_table",
      { for_each: {} },
      { logicalId: "lake_tables" },
    );
    expect(raw.address).toBe("aws_glue_catalog_table.lake_tables");
    expect(Object.keys(s.rawTerraform()?.resource.aws_glue_catalog_table ?? {})).toEqual(["lake_tables"]);
    for (const bad of ["", "1tables", "lake.tables", 'a"b', "lake tables"]) {
      expect(() => new RawResource(s, `Bad${bad}`, "aws_glue_catalog_table", {}, { logicalId: bad })).toThrow(
        "is not a Terraform name",
      );
    }
  });
});

describe("RawLocal", () => {
  it("lands in the locals written beside the stack's JSON, as given, under its own name", () => {
    const s = stack();
    const local = new RawLocal(new Construct(s, "Lake"), "Shapes", "lake_shapes", {
      "1": { sql: ["a", "b"] },
    });
    expect(local.expression).toBe("local.lake_shapes");
    expect(s.rawTerraform()).toEqual({ locals: { lake_shapes: { "1": { sql: ["a", "b"] } } }, resource: {} });
    // Only in the raw file: cdk.tf.json has no locals of its own here.
    expect((s.toTerraform() as { locals?: unknown }).locals).toBeUndefined();
  });

  it("refuses a token, a name Terraform would not take, and a name twice", () => {
    const s = stack();
    const classic = new GlueCatalogTable(s, "Db", { name: "t", databaseName: "d" });
    expect(() => new RawLocal(s, "Tokened", "x", { name: classic.name })).toThrow(
      "s/Tokened: got a cdktf token in raw Terraform data; expected plain data (see RawResource)",
    );
    expect(() => new RawLocal(s, "Dotted", "a.b", {})).toThrow(
      's/Dotted: name "a.b" is not a Terraform name',
    );
    new RawLocal(s, "One", "same", 1);
    new RawLocal(s, "Two", "same", 2);
    expect(() => s.rawTerraform()).toThrow("s/Two: local.same is written twice");
  });
});

describe("escapeTemplates: plain data whose every string Terraform reads as a template", () => {
  it("escapes ${ and %{ in every string and key, at any depth, and leaves the rest as it was", () => {
    const hostile = {
      "a${b}": { name: 'x${file("/etc/passwd")}', list: ["%{ if true }y%{ endif }", 1, null, true] },
      plain: { name: "cdc_lake_demo_public_student", text: "/* Presto View: eyJ9 */", n: 2 },
    };
    expect(escapeTemplates(hostile)).toEqual({
      "a$${b}": { name: 'x$${file("/etc/passwd")}', list: ["%%{ if true }y%%{ endif }", 1, null, true] },
      plain: hostile.plain,
    });
    // Already-escaped text is escaped again: Terraform then reads back exactly what was given.
    expect(escapeTemplate("$${x}")).toBe("$$${x}");
  });

  it("returns data with nothing to escape as it was, without copying it", () => {
    const data = { t: { name: "n", columns: [{ name: "c", type: "struct<a:int>" }] } };
    expect(escapeTemplates(data)).toBe(data);
  });
});
