import { afterAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/sql/capture-sql";
import { captureSqlStep } from "../support/rds-emulation";
import { demoWith, refTo, single, synthesize } from "../support/synth";

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

  it("gets a generated password, written only to the secret, which the role reads back", () => {
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
    // One source of truth: the role takes the password from the secret version just written.
    const versionId = "${aws_secretsmanager_secret_version.CdcRole_SecretValue_FA0DEA67.version_id}";
    const { "//": _, ...readBack } =
      db.ephemeral.aws_secretsmanager_secret_version.CdcRole_WrittenPassword_3319BA30;
    expect(readBack).toEqual({ secret_id: secretRef, version_id: versionId });
    expect(role.password).toBeUndefined();
    expect(role.password_wo).toBe(
      "${jsondecode(ephemeral.aws_secretsmanager_secret_version.CdcRole_WrittenPassword_3319BA30.secret_string).password}",
    );
    expect(role.password_wo_version).toBe(versionId);
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

  it("lets the CDC role update only Debezium's heartbeat table, in its own schema", () => {
    const heartbeat = Object.values<any>(db.resource.postgresql_grant)
      .filter((g) => g.schema === "cdc")
      .map((g) => [g.object_type, g.objects ?? null, g.privileges]);
    expect(heartbeat).toEqual([
      ["schema", null, ["USAGE"]],
      ["table", ["debezium_heartbeat"], ["SELECT", "UPDATE"]],
    ]);
    const step = captureSqlStep(db);
    expect(step.sql).toContain(
      'CREATE TABLE IF NOT EXISTS "cdc"."debezium_heartbeat" (id integer PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now());',
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
        d.capture.tables.push({ schema: "sales", table: "orders", columns: "id int primary key" }),
      ),
    );
    const grants = Object.values<any>(multi.stacks["demo-database"]?.resource.postgresql_grant);
    expect(grants.map((g) => `${g.schema}:${g.object_type}`).sort()).toEqual([
      "cdc:schema",
      "cdc:table",
      "public:schema",
      "public:table",
      "sales:schema",
      "sales:table",
    ]);
    multi.cleanup();
  });
});

describe("demo-database: publication and slot", () => {
  it("publishes only the captured tables, after the SQL prepared them", () => {
    const { "//": _, ...publication } = single(db, "postgresql_publication");
    expect(publication).toEqual({
      name: "cdc_lake_demo_publication",
      database: "msk_db",
      // The heartbeat table too: its updates reach the slot and let it advance on a quiet database.
      tables: ["public.student", "cdc.debezium_heartbeat"],
      publish_param: ["insert", "update", "delete"],
      depends_on: ["terraform_data.CapturedTables_73BACD4E"],
    });
  });

  it("manages the pgoutput slot, so destroy drops it", () => {
    const { "//": _, ...slot } = single(db, "postgresql_replication_slot");
    expect(slot).toEqual({
      name: "cdc_lake_demo_slot",
      database: "msk_db",
      plugin: "pgoutput",
      depends_on: ["postgresql_publication.Publication_BB6C00E4"],
    });
  });
});

describe("demo-database: captured-tables SQL", () => {
  const step = captureSqlStep(db);
  const resource = db.resource.terraform_data.CapturedTables_73BACD4E;

  it("re-runs when the SQL or the database instance changes", () => {
    expect(step.sha256).toBe(sha256(step.sql));
    expect(resource.triggers_replace).toEqual({
      sql_sha256: step.sha256,
      // A new or restored instance has none of the settings: the SQL runs there again.
      database_instance: platformOutput("resource_id"),
    });
    const changed = synthesize(demoWith((d) => (d.capture.tables[0].replicaIdentity = "default")));
    const other = captureSqlStep(changed.stacks["demo-database"] ?? {});
    expect(other.sha256).not.toBe(step.sha256);
    expect(other.sql).toContain('ALTER TABLE "public"."student" REPLICA IDENTITY DEFAULT;');
    changed.cleanup();
  });

  it("applies it with psql, stopping at the first error, as the master over TLS", () => {
    expect(step.interpreter).toEqual(["/bin/sh", "-c"]);
    expect(step.command).toBe('printf "%s" "$CDC_SQL" | psql --no-psqlrc --quiet --set ON_ERROR_STOP=1');
    expect(step.environment).toEqual({
      CDC_SQL: "${self.input.sql}",
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
  });

  it("creates the seed's table if missing and sets REPLICA IDENTITY FULL, in one transaction", () => {
    expect(step.sql).toContain(
      'CREATE TABLE IF NOT EXISTS "public"."student" (id serial primary key, name varchar(100));',
    );
    expect(step.sql).toContain('ALTER TABLE "public"."student" REPLICA IDENTITY FULL;');
    expect(step.sql).toMatch(/^BEGIN;$[\s\S]*^COMMIT;$/m);
    expect(step.sql).not.toMatch(/DROP\s+TABLE/i);
  });

  it("escapes Terraform template markers in the SQL", () => {
    const tricky = synthesize(
      demoWith(
        (d) => (d.capture.tables[0].columns = "id serial primary key, note text default '${not_a_var} %{x}'"),
      ),
    );
    const raw = tricky.stacks["demo-database"]?.resource.terraform_data.CapturedTables_73BACD4E.input
      .sql as string;
    expect(raw).toContain("'$${not_a_var} %%{x}'");
    expect(captureSqlStep(tricky.stacks["demo-database"] ?? {}).sql).toContain("'${not_a_var} %{x}'");
    tricky.cleanup();
  });
});

describe("demo-database: outputs for the connectors stack", () => {
  const ready = db.resource.terraform_data.CaptureReady;

  it("come from a barrier that exists only after grants, secret, slot and tables", () => {
    expect(ready.depends_on).toEqual([
      "postgresql_grant.CdcRole_SchemaUsage-public_8107E511",
      "postgresql_grant.CdcRole_TablesSelect-public_4D51297F",
      "postgresql_default_privileges.CdcRole_FutureTablesSelect-public_EA49C2E8",
      "postgresql_grant.CdcRole_HeartbeatSchemaUsage-cdc_F2D625E9",
      "postgresql_grant.CdcRole_HeartbeatTableUpdate_0E82A2D6",
      "aws_secretsmanager_secret_version.CdcRole_SecretValue_FA0DEA67",
      "postgresql_replication_slot.Publication_Slot_735EE251",
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
      replication_slot_name: refTo(db, "demo-database/Publication/Slot", "name"),
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
          if (/^(password|password_wo|secret_string|secret_string_wo|PGPASSWORD)$/.test(key))
            found.push([key, value]);
          walk(value);
        }
      }
    };
    walk(db);
    expect(found.map(([key]) => key).sort()).toEqual([
      "PGPASSWORD",
      "password",
      "password_wo",
      "secret_string_wo",
    ]);
    for (const [key, value] of found) expect(value, key).toMatch(/^\$\{.*ephemeral\.aws_secretsmanager_/);
  });
});
