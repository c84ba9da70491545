import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { synthesize, type TerraformJson } from "../support/synth";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";

/**
 * The database stack also needs cyrilgdn/postgresql, which this machine has no binary of. What can be
 * validated is everything else: the ephemeral resources, write-only arguments, the psql provisioner and
 * the cross-stack state read. This strips the postgresql provider's parts (and references to them) and
 * validates the rest; the PostgreSQL side is proved on a real server (test/database).
 */
function withoutPostgresqlProvider(stack: TerraformJson): { json: TerraformJson; removed: string[] } {
  const json = structuredClone(stack);
  const removed: string[] = [];
  delete json.provider.postgresql;
  delete json.terraform.required_providers.postgresql;
  for (const type of Object.keys(json.resource)) {
    if (type.startsWith("postgresql_")) {
      removed.push(...Object.keys(json.resource[type]).map((name) => `${type}.${name}`));
      delete json.resource[type];
    }
  }
  for (const resource of Object.values<TerraformJson>(json.resource.terraform_data ?? {})) {
    if (resource.depends_on)
      resource.depends_on = resource.depends_on.filter((d: string) => !d.startsWith("postgresql_"));
    for (const [key, value] of Object.entries(resource.input ?? {})) {
      if (JSON.stringify(value).includes("postgresql_")) resource.input[key] = `removed: ${key}`;
    }
  }
  return { json, removed: removed.sort() };
}

describeWithTerraform("terraform: demo-database (AWS part)", (tier) => {
  const demo = synthesize();
  let workdir: StackWorkdir;
  let removed: string[];

  beforeAll(() => {
    workdir = new StackWorkdir(tier, demo.stackDir("demo-database"));
    const file = join(workdir.dir, "cdk.tf.json");
    const stripped = withoutPostgresqlProvider(JSON.parse(readFileSync(file, "utf8")));
    removed = stripped.removed;
    writeFileSync(file, JSON.stringify(stripped.json));
    workdir.initWithoutBackend();
  });
  afterAll(() => {
    workdir?.cleanup();
    demo.cleanup();
  });

  it("leaves out exactly the postgresql provider's resources", () => {
    expect(removed.map((r) => r.split(".")[0])).toEqual([
      "postgresql_default_privileges",
      "postgresql_grant",
      "postgresql_grant",
      "postgresql_grant",
      "postgresql_grant",
      "postgresql_publication",
      "postgresql_role",
    ]);
  });

  it("validates the ephemeral secrets, write-only arguments and psql provisioner", () => {
    expect(workdir.ok("validate")).toContain("The configuration is valid.");
  });
});
