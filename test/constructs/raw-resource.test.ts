import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { RawResource } from "../../src/constructs/terraform/raw-resource";
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
      "s/Raw: got a cdktf token in a raw resource; expected plain data (see RawResource)",
    );
  });
});
