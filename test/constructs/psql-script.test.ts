import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, DataResource, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PsqlScript } from "../../src/constructs/postgres/psql-script";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";

const CONNECTION = { host: "db.example", port: 5432, database: "shop", username: "admin", password: "pw" };
const SQL = "\\set ON_ERROR_STOP on\nSELECT '${not_a_template} %{x}' AS text;\n";
const SHA = createHash("sha256").update(SQL).digest("hex");
const FILE = `seed-${SHA.slice(0, 16)}.sql`;

function script(scope: Construct, id = "Seed", sql = SQL, name = "seed"): PsqlScript {
  return new PsqlScript(scope, id, {
    name,
    sql,
    connection: CONNECTION,
    applicationName: "cdc-lake test",
    triggersReplace: { database_instance: "db-123" },
  });
}

/** Synthesizes `build`'s stack "database" into `outdir` as `cdktf synth` does; returns the stack's folder. */
function synthInto(outdir: string, build: (stack: TerraformStack) => void): string {
  const app = new App({ outdir, skipValidation: true });
  build(new TerraformStack(app, "database"));
  app.synth();
  return join(outdir, "stacks", "database");
}

describe("PsqlScript", () => {
  it("runs psql -f on the synthesized file, re-runs when the SQL changes, and checks the file first", () => {
    let seed: PsqlScript | undefined;
    const json = JSON.parse(
      Testing.synthScope((stack) => {
        seed = script(stack);
      }),
    );
    expect(seed?.sha256).toBe(SHA);
    expect(seed?.fileName).toBe(FILE);
    expect(seed?.sql).toBe(SQL);
    const actual = `try(filesha256("\${path.module}/sql/${FILE}"), "")`;
    // Id "Default" is left out of the logical id: the address is the construct's own.
    expect(Object.keys(json.resource.terraform_data)).toEqual(["Seed"]);
    expect(json.resource.terraform_data.Seed).toEqual({
      triggers_replace: { database_instance: "db-123", sql_sha256: SHA },
      lifecycle: {
        precondition: [
          {
            condition: `\${${actual} == "${SHA}"}`,
            error_message: `sql/${FILE}: got sha256 "\${${actual}}" ("" when there is no such file); expected ${SHA}, the SQL synthesized with this stack. Run synth again and run terraform in the synthesized stack's folder (where cdk.tf.json and sql/ are), without editing the file.`,
          },
        ],
      },
      provisioner: [
        {
          "local-exec": {
            interpreter: ["/bin/sh", "-c"],
            command: 'psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 -f "$CDC_SQL_FILE"',
            environment: {
              CDC_SQL_FILE: `\${path.module}/sql/${FILE}`,
              PGHOST: "db.example",
              PGPORT: "5432",
              PGDATABASE: "shop",
              PGUSER: "admin",
              PGPASSWORD: "pw",
              PGSSLMODE: "require",
              PGCONNECT_TIMEOUT: "15",
              PGAPPNAME: "cdc-lake test",
            },
          },
        },
      ],
    });
    // The SQL is in the file only: the JSON holds none of it.
    expect(JSON.stringify(json)).not.toContain("not_a_template");
  });

  it("keeps the Terraform address of a DataResource with the same id (construct ids are a contract)", () => {
    class Holder extends Construct {}
    const before = Testing.synthScope(
      (stack) => new DataResource(new Holder(stack, "CapturedTables"), "Resource", {}),
    );
    const after = Testing.synthScope((stack) => script(new Holder(stack, "CapturedTables"), "Resource"));
    expect(Object.keys(JSON.parse(after).resource.terraform_data)).toEqual(
      Object.keys(JSON.parse(before).resource.terraform_data),
    );
    expect(Object.keys(JSON.parse(after).resource.terraform_data)).toEqual(["CapturedTables_73BACD4E"]);
  });

  it("writes the SQL, byte for byte, to sql/<name>-<16 hex of its sha256>.sql beside cdk.tf.json, replacing its earlier versions", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-psql-script-"));
    try {
      const dir = synthInto(outdir, (stack) => {
        script(stack, "Seed", "SELECT 1;\n");
        script(stack, "Other", "SELECT 2;\n", "other");
      });
      const first = readdirSync(join(dir, "sql")).sort();
      expect(first).toHaveLength(2);
      synthInto(outdir, (stack) => {
        script(stack, "Seed", SQL);
        script(stack, "Other", "SELECT 2;\n", "other");
      });
      const second = readdirSync(join(dir, "sql")).sort();
      expect(second).toEqual([first.find((f) => f.startsWith("other-")), FILE]);
      expect(readFileSync(join(dir, "sql", FILE), "utf8")).toBe(SQL);
      expect(existsSync(join(dir, "cdk.tf.json"))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("fails if the name is not lowercase words joined by hyphens (it names a file and a Terraform path)", () => {
    expect(() => Testing.synthScope((stack) => void script(stack, "Seed", SQL, 'x"); evil("'))).toThrow(
      'stack/Seed: script name got "x\\"); evil(\\""; expected lowercase words joined by hyphens',
    );
  });

  it("keeps both files when two scripts of a stack share a name (one per source, say)", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-psql-script-"));
    try {
      const dir = synthInto(outdir, (stack) => {
        script(stack, "A", "SELECT 1;\n");
        script(stack, "B", SQL);
      });
      const one = `seed-${createHash("sha256").update("SELECT 1;\n").digest("hex").slice(0, 16)}.sql`;
      expect(readdirSync(join(dir, "sql")).sort()).toEqual([one, FILE].sort());
      expect(readFileSync(join(dir, "sql", one), "utf8")).toBe("SELECT 1;\n");
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describeWithTerraform("terraform: the precondition of a PsqlScript", (tier) => {
  let outdir: string;
  let workdir: StackWorkdir;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "cdc-lake-psql-script-"));
    workdir = new StackWorkdir(
      tier,
      synthInto(outdir, (stack) => void script(stack)),
    );
    workdir.ok("init", "-input=false", `-plugin-dir=${tier.mirror}`);
  });
  afterAll(() => {
    workdir?.cleanup();
    rmSync(outdir, { recursive: true, force: true });
  });
  const file = () => join(workdir.dir, "sql", FILE);
  const plan = () => workdir.run("plan", "-input=false", "-refresh=false");
  /** Terraform wraps its messages: compare with white space collapsed. */
  const flat = (text: string) => text.replace(/\s+/g, " ");

  it("lets the plan through with the synthesized file", () => {
    const run = plan();
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
  });

  it("stops the plan when the file was changed, naming both hashes and the fix", () => {
    const changed = SQL.replace("SELECT", "DROP TABLE x; SELECT");
    writeFileSync(file(), changed);
    try {
      const run = plan();
      expect(run.code).toBe(1);
      expect(flat(run.output)).toContain(
        `sql/${FILE}: got sha256 "${createHash("sha256").update(changed).digest("hex")}" ("" when there is no such file); expected ${SHA}, the SQL synthesized with this stack. Run synth again and run terraform in the synthesized stack's folder (where cdk.tf.json and sql/ are), without editing the file.`,
      );
    } finally {
      writeFileSync(file(), SQL);
    }
  });

  it("stops the plan when the file is missing (terraform run from a copy of cdk.tf.json alone)", () => {
    rmSync(file());
    try {
      const run = plan();
      expect(run.code).toBe(1);
      expect(flat(run.output)).toContain(
        `sql/${FILE}: got sha256 "" ("" when there is no such file); expected ${SHA}, the SQL synthesized`,
      );
    } finally {
      writeFileSync(file(), SQL);
    }
  });
});
