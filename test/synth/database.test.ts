import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { CapturedTables } from "../../src/constructs/postgres/captured-tables";
import { LOCK_RETRY, sha256 } from "../../src/sql/capture-sql";
import { captureSqlStep, cdcPasswordStep } from "../support/rds-emulation";
import { byPath, demoWith, refTo, single, synthesize } from "../support/synth";

const demo = synthesize();
const db = demo.stacks["demo-database"] ?? {};
afterAll(() => demo.cleanup());

const REMOTE = "data.terraform_remote_state.cross-stack-reference-input-demo-platform.outputs";
const platformOutput = (attribute: string) =>
  `\${${REMOTE}.cross-stack-output-aws_db_instanceDatabase_B269D8BB${attribute}}`;

describe("demo-database: connection", () => {
  it("reads the platform's outputs through its state, by a relative path", () => {
    expect(db.data.terraform_remote_state["cross-stack-reference-input-demo-platform"]).toEqual({
      backend: "local",
      config: { path: "../../../state/demo-platform.tfstate" },
      workspace: "${terraform.workspace}",
    });
  });

  it("reads the master password from the RDS-managed secret, ephemerally", () => {
    expect(db.ephemeral.aws_secretsmanager_secret_version.MasterPassword.secret_id).toBe(
      platformOutput("master_user_secret0secret_arn"),
    );
  });

  it("requires a Terraform/OpenTofu that has ephemeral resources and write-only arguments", () => {
    expect(db.terraform.required_version).toBe(">= 1.11.0");
  });

  it("grants the master no extra role when it owns the tables itself", () => {
    expect(db.resource.postgresql_grant_role).toBeUndefined();
  });

  it("lets the master act as the tables' owner when the application owns them, before touching them", () => {
    const owned = synthesize(demoWith((d) => (d.capture.tableOwner = "app_owner")));
    const stack = owned.stacks["demo-database"] ?? {};
    const { "//": _, ...membership } = single(stack, "postgresql_grant_role");
    expect(membership).toEqual({ role: "msk_user", grant_role: "app_owner" });
    expect(stack.resource.terraform_data.CapturedTables_73BACD4E.depends_on).toEqual([
      "postgresql_grant_role.MasterActsAsTableOwner",
    ]);
    expect(single(stack, "postgresql_publication").depends_on).toContain(
      "postgresql_grant_role.MasterActsAsTableOwner",
    );
    expect(single(stack, "postgresql_default_privileges").owner).toBe("app_owner");
    owned.cleanup();
  });

  it("configures the PostgreSQL provider from the platform, as the non-superuser master over TLS", () => {
    expect(db.provider.postgresql).toEqual([
      {
        host: platformOutput("address"),
        port: platformOutput("port"),
        database: "msk_db",
        username: "msk_user",
        password:
          "${jsondecode(ephemeral.aws_secretsmanager_secret_version.MasterPassword.secret_string).password}",
        sslmode: "require",
        superuser: false,
        expected_version: "15",
        connect_timeout: 15,
      },
    ]);
    expect(db.terraform.required_providers.postgresql).toEqual({
      source: "cyrilgdn/postgresql",
      version: "1.26.0",
    });
  });
});

describe("demo-database: the CDC role", () => {
  const role = single(db, "postgresql_role");
  const secretRef = refTo(db, "demo-database/CdcRole/Secret", "id");

  it("is a login role in rds_replication with nothing else", () => {
    expect(role).toMatchObject({
      name: "cdc_lake_demo_cdc",
      login: true,
      roles: ["rds_replication"],
      superuser: false,
      create_database: false,
      create_role: false,
      replication: false,
      bypass_row_level_security: false,
      connection_limit: 5,
    });
  });

  it("gets a generated password, written only to the secret, which the password step reads back", () => {
    const generated = "ephemeral.aws_secretsmanager_random_password.CdcRole_GeneratedPassword_A3BD05C0";
    expect(db.ephemeral.aws_secretsmanager_random_password.CdcRole_GeneratedPassword_A3BD05C0).toMatchObject({
      password_length: 32,
      exclude_punctuation: true,
    });
    const value = single(db, "aws_secretsmanager_secret_version");
    expect(value.secret_id).toBe(secretRef);
    expect(value.secret_string).toBeUndefined();
    expect(value.secret_string_wo).toBe(
      `\${jsonencode({"username" = "cdc_lake_demo_cdc", "password" = ${generated}.random_password})}`,
    );
    expect(value.secret_string_wo_version).toBe(1);
    // One source of truth: the password step takes the password from the secret version just written.
    const versionId = "${aws_secretsmanager_secret_version.CdcRole_SecretValue_FA0DEA67.version_id}";
    const { "//": _, ...readBack } =
      db.ephemeral.aws_secretsmanager_secret_version.CdcRole_WrittenPassword_3319BA30;
    expect(readBack).toEqual({ secret_id: secretRef, version_id: versionId });
    const step = cdcPasswordStep(db);
    expect(step.environment.CDC_PASSWORD).toBe(
      "${jsondecode(ephemeral.aws_secretsmanager_secret_version.CdcRole_WrittenPassword_3319BA30.secret_string).password}",
    );
    expect(step.environment.CDC_ROLE).toBe("cdc_lake_demo_cdc");
    const resource = db.resource.terraform_data.CdcRole_Password_445D4203;
    expect(resource.triggers_replace).toEqual({
      role: "cdc_lake_demo_cdc",
      secret_version: versionId,
      database_instance: platformOutput("resource_id"),
    });
    expect(resource.depends_on).toEqual(["postgresql_role.CdcRole_40CE4EE7"]);
  });

  it("is created by the provider without a password: no provider statement carries it", () => {
    // The provider writes password_wo into CREATE ROLE ... PASSWORD '<clear text>', which PostgreSQL logs
    // in full when it fails; the password step sends only a SCRAM verifier (test/postgres/cdc-password-log).
    expect(role.password).toBeUndefined();
    expect(role.password_wo).toBeUndefined();
    expect(role.password_wo_version).toBeUndefined();
    const step = cdcPasswordStep(db);
    expect(step.interpreter).toEqual(["/bin/sh", "-c"]);
    expect(step.command).toContain('CDC_ALTER_ROLE=$(node -e "$CDC_SCRAM_JS") && printf');
    expect(step.command).toContain("| psql --no-psqlrc --quiet --set ON_ERROR_STOP=1");
    // The password is in the environment only, never in the command line.
    expect(step.command).not.toContain("CDC_PASSWORD");
    expect(step.environment).toMatchObject({
      PGUSER: "msk_user",
      PGSSLMODE: "require",
      PGDATABASE: "msk_db",
    });
  });

  it("keeps the password in a secret whose name cannot collide with a deleted one", () => {
    expect(single(db, "aws_secretsmanager_secret")).toMatchObject({
      name_prefix: "cdc-lake-demo/postgres/cdc_lake_demo_cdc-",
      recovery_window_in_days: 7,
    });
  });

  it("rotates when cdcPasswordVersion is bumped", () => {
    const rotated = synthesize(demoWith((d) => (d.capture.cdcPasswordVersion = 2)));
    const stack = rotated.stacks["demo-database"] ?? {};
    // A new secret version, hence a new version_id, hence the role's password_wo_version changes too.
    expect(single(stack, "aws_secretsmanager_secret_version").secret_string_wo_version).toBe(2);
    rotated.cleanup();
  });
});

describe("demo-database: grants", () => {
  const role = refTo(db, "demo-database/CdcRole/Resource", "name");
  const after = ["terraform_data.CapturedTables_73BACD4E", "postgresql_role.CdcRole_40CE4EE7"];

  it("grants USAGE on the schema and SELECT on the captured tables, after the tables exist", () => {
    const grants = Object.values<any>(db.resource.postgresql_grant)
      .filter((g) => g.schema === "public")
      .map(({ "//": _, ...g }) => g);
    expect(grants).toEqual([
      {
        database: "msk_db",
        role,
        schema: "public",
        object_type: "schema",
        privileges: ["USAGE"],
        depends_on: after,
      },
      {
        database: "msk_db",
        role,
        schema: "public",
        object_type: "table",
        objects: ["student"],
        privileges: ["SELECT"],
        depends_on: after,
      },
    ]);
  });

  it("lets the CDC role update only Debezium's heartbeat table and read the canary, in their own schema", () => {
    const heartbeat = Object.values<any>(db.resource.postgresql_grant)
      .filter((g) => g.schema === "cdc")
      .map((g) => [g.object_type, g.objects ?? null, g.privileges]);
    // Grants in the synthesized order (by construct id): CanaryTableSelect, HeartbeatSchemaUsage, HeartbeatTableUpdate.
    expect(heartbeat).toEqual([
      ["table", ["cdc_lake_canary"], ["SELECT"]],
      ["schema", null, ["USAGE"]],
      ["table", ["debezium_heartbeat"], ["SELECT", "UPDATE"]],
    ]);
    // The canary is read like a captured table, never written by the CDC role (npm run verify writes it).
    const { "//": _, ...canary } =
      byPath(db, "postgresql_grant")["demo-database/CdcRole/CanaryTableSelect"] ?? {};
    expect(canary).toEqual({
      database: "msk_db",
      role,
      schema: "cdc",
      object_type: "table",
      objects: ["cdc_lake_canary"],
      privileges: ["SELECT"],
      depends_on: after,
    });
    const step = captureSqlStep(db);
    expect(step.sql).toContain(
      'CREATE TABLE "cdc"."debezium_heartbeat" (id integer PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now());',
    );
    expect(step.sql).toContain(
      'CREATE TABLE "cdc"."cdc_lake_canary" (id integer PRIMARY KEY, token text NOT NULL, written_at timestamptz NOT NULL DEFAULT now());',
    );
  });

  it("makes future tables of the table owner readable", () => {
    const { "//": _, ...defaults } = single(db, "postgresql_default_privileges");
    expect(defaults).toEqual({
      database: "msk_db",
      role,
      schema: "public",
      owner: "msk_user",
      object_type: "table",
      privileges: ["SELECT"],
      depends_on: after,
    });
  });

  it("grants per schema when tables span several", () => {
    const multi = synthesize(
      demoWith((d) =>
        d.capture.tables.push({
          schema: "sales",
          table: "orders",
          columns: [{ name: "id", type: "int", primaryKey: true }],
        }),
      ),
    );
    const grants = Object.values<any>(multi.stacks["demo-database"]?.resource.postgresql_grant);
    expect(grants.map((g) => `${g.schema}:${g.object_type}:${g.objects ?? ""}`).sort()).toEqual([
      "cdc:schema:",
      "cdc:table:cdc_lake_canary",
      "cdc:table:debezium_heartbeat",
      "public:schema:",
      "public:table:student",
      "sales:schema:",
      "sales:table:orders",
    ]);
    multi.cleanup();
  });
});

describe("demo-database: publication and slot", () => {
  it("publishes only the captured tables, the heartbeat and the canary, after the SQL prepared them", () => {
    const { "//": _, ...publication } = single(db, "postgresql_publication");
    expect(publication).toEqual({
      name: "cdc_lake_demo_publication",
      database: "msk_db",
      // The heartbeat table too: its updates reach the slot and let it advance on a quiet database.
      // Then the canary, captured like a table: npm run verify's row must reach the lake through it.
      tables: ["public.student", "cdc.debezium_heartbeat", "cdc.cdc_lake_canary"],
      publish_param: ["insert", "update", "delete"],
      depends_on: ["terraform_data.CapturedTables_73BACD4E"],
    });
  });

  it("creates no slot: Debezium creates it, the connectors stack drops it with the connector", () => {
    expect(db.resource.postgresql_replication_slot).toBeUndefined();
    expect(db.output.replication_slot_name.value).toBe(
      '${terraform_data.CaptureReady.output["replication_slot_name"]}',
    );
    expect(db.resource.terraform_data.CaptureReady.input.replication_slot_name).toBe("cdc_lake_demo_slot");
  });

  it("forgets the slot it managed before without dropping it: the running connector keeps reading it", () => {
    expect(db.removed).toEqual([
      { from: "postgresql_replication_slot.Publication_Slot_735EE251", lifecycle: { destroy: false } },
    ]);
  });
});

describe("demo-database: captured-tables SQL", () => {
  const step = captureSqlStep(db, demo.stackDir("demo-database"));
  const resource = db.resource.terraform_data.CapturedTables_73BACD4E;
  const file = `\${path.module}/sql/${step.fileName}`;

  it("re-runs when the SQL or the database instance changes", () => {
    expect(step.sha256).toBe(sha256(step.sql));
    expect(step.fileName).toBe(`capture-tables-${step.sha256.slice(0, 16)}.sql`);
    expect(resource.triggers_replace).toEqual({
      sql_sha256: step.sha256,
      // A new or restored instance has none of the settings: the SQL runs there again.
      database_instance: platformOutput("resource_id"),
    });
    const changed = synthesize(demoWith((d) => (d.capture.tables[0].replicaIdentity = "default")));
    const other = captureSqlStep(changed.stacks["demo-database"] ?? {}, changed.stackDir("demo-database"));
    expect(other.sha256).not.toBe(step.sha256);
    expect(other.fileName).not.toBe(step.fileName);
    expect(step.sql).toContain(`('public', 'student', '"public"."student"', 'f')`);
    expect(other.sql).toContain(`('public', 'student', '"public"."student"', 'd')`);
    changed.cleanup();
  });

  it("writes the SQL beside the stack, as the file the step reads, and nothing else there", () => {
    const dir = demo.stackDir("demo-database");
    expect(readdirSync(join(dir, "sql"))).toEqual([step.fileName]);
    expect(readFileSync(join(dir, "sql", step.fileName), "utf8")).toBe(step.sql);
    // The JSON carries the file's name and hash, never the SQL.
    expect(JSON.stringify(db)).not.toContain("REPLICA IDENTITY");
  });

  it("applies it with psql -f, stopping at the first error, as the master over TLS", () => {
    expect(step.interpreter).toEqual(["/bin/sh", "-c"]);
    expect(step.command).toBe('psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 -f "$CDC_SQL_FILE"');
    expect(step.environment).toEqual({
      CDC_SQL_FILE: file,
      PGHOST: platformOutput("address"),
      PGPORT: platformOutput("port"),
      PGDATABASE: "msk_db",
      PGUSER: "msk_user",
      PGPASSWORD:
        "${jsondecode(ephemeral.aws_secretsmanager_secret_version.MasterPassword.secret_string).password}",
      PGSSLMODE: "require",
      PGCONNECT_TIMEOUT: "15",
      PGAPPNAME: "cdc-lake database stack",
    });
    expect(resource.input).toBeUndefined();
  });

  it("refuses to run a missing or changed file: the precondition compares its sha256 with the synthesized one", () => {
    const actual = `try(filesha256("${file}"), "")`;
    expect(resource.lifecycle).toEqual({
      precondition: [
        {
          condition: `\${${actual} == "${step.sha256}"}`,
          error_message: `sql/${step.fileName}: got sha256 "\${${actual}}" ("" when there is no such file); expected ${step.sha256}, the SQL synthesized with this stack. Run synth again and run terraform in the synthesized stack's folder (where cdk.tf.json and sql/ are), without editing the file.`,
        },
      ],
    });
  });

  it("passes 500 tables' SQL as a file: no command or environment value of the step grows with it", () => {
    const many = synthesize(
      demoWith((d) => {
        for (let i = 0; i < 500; i++) {
          d.capture.tables.push({
            schema: "wide",
            table: `t${i}`,
            columns: Array.from({ length: 12 }, (_, c) => ({
              name: `column_with_a_long_name_${c}`,
              type: "varchar(200)",
              default: "a default value that takes some room in the script".repeat(2),
            })),
          });
        }
      }),
    );
    const big = captureSqlStep(many.stacks["demo-database"] ?? {}, many.stackDir("demo-database"));
    // Past the 1 MiB the environment chunks allowed in all, and far past Linux's 128 KiB for one value.
    expect(Buffer.byteLength(big.sql)).toBeGreaterThan(1024 * 1024);
    expect(big.sha256).toBe(sha256(big.sql));
    expect(big.sql).toContain('CREATE TABLE "wide"."t499"');
    expect(big.command).toBe(step.command);
    expect(Object.keys(big.environment)).toEqual(Object.keys(step.environment));
    for (const value of [big.command, ...big.interpreter, ...Object.values(big.environment)]) {
      expect(Buffer.byteLength(value)).toBeLessThan(100 * 1024);
    }
    many.cleanup();
  });

  it("creates the seed's table if missing and sets REPLICA IDENTITY FULL, waiting 2 s at a time for locks", () => {
    expect(step.sql).toContain(
      'CREATE TABLE "public"."student" ("id" serial NOT NULL, "name" character varying(100), PRIMARY KEY ("id"));',
    );
    expect(step.sql).toContain("EXECUTE format('ALTER TABLE %I.%I REPLICA IDENTITY %s'");
    expect(step.sql).toContain(`SET lock_timeout = '${LOCK_RETRY.lockTimeout}';`);
    expect(LOCK_RETRY).toEqual({ lockTimeout: "2s", attempts: 4, firstPauseSeconds: 1 });
    expect(step.sql).not.toMatch(/DROP\s+TABLE/i);
  });

  it("puts everything from the config in one dollar-quoted DO block, after a fixed header", () => {
    const lines = step.sql.split("\n");
    const open = lines.indexOf("DO $cdc$");
    expect(lines.slice(open + 1).indexOf("$cdc$;")).toBe(lines.length - open - 3);
    expect(lines.slice(0, open).filter((l) => !l.startsWith("--"))).toEqual([
      "\\set ON_ERROR_STOP on",
      "SET standard_conforming_strings = on;",
      "SET lock_timeout = '2s';",
    ]);
  });

  it("writes Terraform template markers to the file as they are: Terraform reads no template there", () => {
    expect(() =>
      demoWith((d) =>
        d.capture.tables[0].columns.push({ name: "note", type: "text", default: "${not_a_var} %{x}" }),
      ),
    ).toThrow(/Terraform/);
    const app = Testing.app();
    const stack = new TerraformStack(app, "stack");
    const tables = new CapturedTables(stack, "CapturedTables", {
      tables: [
        {
          schema: "public",
          table: "t",
          replicaIdentity: "full",
          columns: [
            {
              name: "note",
              type: { base: "text", arrayDimensions: 0 },
              nullable: true,
              primaryKey: false,
              default: { kind: "string", value: "${not_a_var} %{x}" },
            },
          ],
        },
      ],
      heartbeatSchema: "cdc",
      connection: { host: "h", port: 5432, database: "d", username: "u", password: "p" },
      databaseInstanceId: "i",
    });
    const outdir = Testing.fullSynth(stack);
    try {
      const dir = join(outdir, "stacks", "stack");
      const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      const written = captureSqlStep(json, dir);
      expect(written.sql).toBe(tables.sql);
      expect(written.sql).toContain("'${not_a_var} %{x}'");
      expect(JSON.stringify(json)).not.toContain("not_a_var");
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("demo-database: outputs for the connectors stack", () => {
  const ready = db.resource.terraform_data.CaptureReady;

  it("come from a barrier that exists only after grants, secret, publication and tables", () => {
    expect(ready.depends_on).toEqual([
      "postgresql_grant.CdcRole_SchemaUsage-public_8107E511",
      "postgresql_grant.CdcRole_TablesSelect-public_4D51297F",
      "postgresql_default_privileges.CdcRole_FutureTablesSelect-public_EA49C2E8",
      "postgresql_grant.CdcRole_HeartbeatSchemaUsage-cdc_F2D625E9",
      "postgresql_grant.CdcRole_HeartbeatTableUpdate_0E82A2D6",
      "postgresql_grant.CdcRole_CanaryTableSelect_846B0983",
      "aws_secretsmanager_secret_version.CdcRole_SecretValue_FA0DEA67",
      "terraform_data.CdcRole_Password_445D4203",
      "postgresql_publication.Publication_BB6C00E4",
      "terraform_data.CapturedTables_73BACD4E",
    ]);
    for (const name of [
      "cdc_role_name",
      "cdc_secret_arn",
      "publication_name",
      "replication_slot_name",
      "captured_tables",
    ]) {
      expect(db.output[name].value).toBe(`\${terraform_data.CaptureReady.output["${name}"]}`);
    }
    expect(ready.input).toMatchObject({
      cdc_role_name: refTo(db, "demo-database/CdcRole/Resource", "name"),
      cdc_secret_arn: refTo(db, "demo-database/CdcRole/Secret", "arn"),
      publication_name: refTo(db, "demo-database/Publication/Resource", "name"),
      replication_slot_name: "cdc_lake_demo_slot",
      captured_tables: ["public.student"],
    });
  });
});

describe("demo-database: secrets", () => {
  it("holds no password value, only references to ephemeral ones", () => {
    const found: [string, unknown][] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (/^(password|password_wo|secret_string|secret_string_wo|PGPASSWORD|CDC_PASSWORD)$/.test(key))
            found.push([key, value]);
          walk(value);
        }
      }
    };
    walk(db);
    expect(found.map(([key]) => key).sort()).toEqual([
      "CDC_PASSWORD",
      "PGPASSWORD",
      "PGPASSWORD",
      "password",
      "secret_string_wo",
    ]);
    for (const [key, value] of found) expect(value, key).toMatch(/^\$\{.*ephemeral\.aws_secretsmanager_/);
  });
});
