import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { synthesize } from "../support/synth";
import { StackWorkdir, withoutPostgresqlProvider } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";

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
      "postgresql_grant",
      "postgresql_publication",
      "postgresql_role",
    ]);
  });

  it("validates the ephemeral secrets, write-only arguments and psql provisioner", () => {
    expect(workdir.ok("validate")).toContain("The configuration is valid.");
  });
});
