/**
 * The cyrilgdn/postgresql provider (1.26.0) has no binary on this machine, so the real-server tests run
 * the SQL it would run for each postgresql_* resource of the synthesized stack, statement for statement
 * (read from the provider's source at v1.26.0: resource_postgresql_role.go, _grant.go,
 * _default_privileges.go, _publication.go, _replication_slot.go). Input is the stack's JSON, so what is
 * tested is what the stack declares. The provider's temporary borrowing of owner roles (withRolesGranted)
 * is not needed: the master user owns what it grants on here.
 */
import type { Client } from "pg";
import type { TerraformJson } from "./synth";

const q = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Resolves `${postgresql_role.X.name}` to the role's name in the same stack; passes literals through. */
function resolveName(stack: TerraformJson, value: string): string {
  const match = /^\$\{postgresql_role\.([^.]+)\.name\}$/.exec(value);
  if (!match) return value;
  const role = stack.resource.postgresql_role?.[match[1] as string];
  if (!role) throw new Error(`no postgresql_role ${match[1]}`);
  return role.name;
}

function resources(stack: TerraformJson, type: string): TerraformJson[] {
  return Object.values(stack.resource[type] ?? {});
}

/**
 * CREATE ROLE + GRANT of member roles, as resourcePostgreSQLRoleCreate does on PostgreSQL 15. A role with
 * `password_wo` (or `password`) gets `ENCRYPTED PASSWORD '<the value>'` in its CREATE ROLE, as the
 * provider writes it: `passwords` stands for the value Terraform would resolve.
 */
export function roleStatements(stack: TerraformJson, passwords: Record<string, string>): string[] {
  return resources(stack, "postgresql_role").flatMap((role) => {
    const declared = role.password_wo !== undefined || role.password !== undefined;
    const password = declared ? passwords[role.name] : undefined;
    if (declared && password === undefined) throw new Error(`no test password for ${role.name}`);
    const flag = (value: boolean | undefined, on: string, off: string, dflt = false) =>
      (value ?? dflt) ? on : off;
    const options = [
      password !== undefined ? `ENCRYPTED PASSWORD ${literal(password)}` : "",
      "VALID UNTIL 'infinity'",
      `CONNECTION LIMIT ${role.connection_limit ?? -1}`,
      flag(role.superuser, "SUPERUSER", "NOSUPERUSER"),
      flag(role.create_database, "CREATEDB", "NOCREATEDB"),
      flag(role.create_role, "CREATEROLE", "NOCREATEROLE"),
      flag(role.inherit, "INHERIT", "NOINHERIT", true),
      flag(role.login, "LOGIN", "NOLOGIN"),
      flag(role.bypass_row_level_security, "BYPASSRLS", "NOBYPASSRLS"),
      flag(role.replication, "REPLICATION", "NOREPLICATION"),
    ].filter(Boolean);
    return [
      `CREATE ROLE ${q(role.name)} WITH ${options.join(" ")}`,
      ...(role.roles ?? []).map((member: string) => `GRANT ${q(member)} TO ${q(role.name)}`),
    ];
  });
}

/** ALTER ROLE ... PASSWORD '<value>', as setRolePassword does when password_wo_version changes. */
export function rolePasswordUpdateStatement(role: string, password: string): string {
  return `ALTER ROLE ${q(role)} PASSWORD '${password.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** GRANT <role> TO <member>, as resourcePostgreSQLGrantRoleCreate does. */
export function grantRoleStatements(stack: TerraformJson): string[] {
  return resources(stack, "postgresql_grant_role").map((g) => `GRANT ${q(g.grant_role)} TO ${q(g.role)}`);
}

/** REVOKE then GRANT, as resourcePostgreSQLGrantCreateOrUpdate does. */
export function grantStatements(stack: TerraformJson): string[] {
  return resources(stack, "postgresql_grant").flatMap((grant) => {
    const role = q(resolveName(stack, grant.role));
    const privileges = grant.privileges.join(",");
    if (grant.object_type === "schema") {
      return [
        `REVOKE ALL PRIVILEGES ON SCHEMA ${q(grant.schema)} FROM ${role}`,
        `GRANT ${privileges} ON SCHEMA ${q(grant.schema)} TO ${role}`,
      ];
    }
    if (grant.object_type === "table" && (grant.objects ?? []).length === 0) {
      return [
        `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${q(grant.schema)} FROM ${role}`,
        `GRANT ${privileges} ON ALL TABLES IN SCHEMA ${q(grant.schema)} TO ${role}`,
      ];
    }
    if (grant.object_type === "table") {
      // With objects, the provider revokes only the listed privileges on the listed tables.
      const tables = (grant.objects as string[]).map((t) => `${q(grant.schema)}.${q(t)}`).join(",");
      return [
        `REVOKE ${privileges} ON TABLE ${tables} FROM ${role}`,
        `GRANT ${privileges} ON TABLE ${tables} TO ${role}`,
      ];
    }
    throw new Error(`grant of ${grant.object_type} ${JSON.stringify(grant.objects)} is not emulated`);
  });
}

/** ALTER DEFAULT PRIVILEGES REVOKE then GRANT, as grantRoleDefaultPrivileges does. */
export function defaultPrivilegeStatements(stack: TerraformJson): string[] {
  return resources(stack, "postgresql_default_privileges").flatMap((d) => {
    if (d.object_type !== "table") throw new Error(`default privileges on ${d.object_type} are not emulated`);
    const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(d.owner)} IN SCHEMA ${q(d.schema)}`;
    const role = q(resolveName(stack, d.role));
    return [
      `${prefix} REVOKE ALL ON TABLES FROM ${role}`,
      `${prefix} GRANT ${d.privileges.join(",")} ON TABLES TO ${role}`,
    ];
  });
}

/** CREATE PUBLICATION ... FOR TABLE ... WITH (publish = ...), as resourcePostgreSQLPublicationCreate does. */
export function publicationStatements(stack: TerraformJson): string[] {
  return resources(stack, "postgresql_publication").map((p) => {
    const tables = (p.tables as string[]).map((t) => t.split(".").map(q).join(".")).join(", ");
    const options = [p.publish_param ? `publish = '${p.publish_param.join(", ")}'` : ""].filter(Boolean);
    return `CREATE PUBLICATION ${p.name} FOR TABLE ${tables}${options.length ? ` WITH (${options.join(",")})` : ""}`;
  });
}

/** SELECT FROM pg_create_logical_replication_slot(name, plugin). */
export function slotStatements(stack: TerraformJson): string[] {
  return resources(stack, "postgresql_replication_slot").map(
    (s) => `SELECT FROM pg_create_logical_replication_slot(${literal(s.name)}, ${literal(s.plugin)})`,
  );
}

/**
 * The stack with only the resources whose construct path `keep` accepts, e.g. one source's (an existing
 * database's live under `<stack>/Source-<name>/`, see src/stacks/database-stack.ts): every helper here and
 * in rds-emulation.ts then sees that source alone, as the source's own provider would.
 */
export function resourcesWhere(stack: TerraformJson, keep: (path: string) => boolean): TerraformJson {
  const resource = Object.fromEntries(
    Object.entries<Record<string, TerraformJson>>(stack.resource ?? {})
      .map(
        ([type, byId]) =>
          [
            type,
            Object.fromEntries(Object.entries(byId).filter(([, r]) => keep(r["//"]?.metadata?.path ?? ""))),
          ] as const,
      )
      .filter(([, byId]) => Object.keys(byId).length > 0),
  );
  return { ...stack, resource };
}

const sorted = (values: Iterable<string>) => [...values].sort();
const same = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/**
 * What the provider's Read would find different from what the stack declares, one line per difference
 * (`<type> <name>: <field> got X; expected Y`): what a second `terraform plan` would change. Covers the
 * attributes the stack sets on postgresql_role, postgresql_grant_role, postgresql_grant,
 * postgresql_default_privileges and postgresql_publication. [] means the plan has nothing to do, so the
 * provider runs no statement. `client`: connected to the stack's database, as a role that reads the catalogs.
 */
export async function providerDrift(client: Client, stack: TerraformJson): Promise<string[]> {
  const drift: string[] = [];
  const differs = (what: string, field: string, got: unknown, expected: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(expected))
      drift.push(`${what}: ${field} got ${JSON.stringify(got)}; expected ${JSON.stringify(expected)}`);
  };
  const rows = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;

  for (const role of resources(stack, "postgresql_role")) {
    const what = `postgresql_role ${role.name}`;
    const [actual] = await rows(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolcanlogin, rolbypassrls, rolreplication,
              rolconnlimit,
              ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1) AS roles
         FROM pg_roles r WHERE rolname = $1`,
      [role.name],
    );
    if (!actual) {
      drift.push(`${what}: got no such role; expected it to exist`);
      continue;
    }
    differs(what, "superuser", actual.rolsuper, role.superuser ?? false);
    differs(what, "create_database", actual.rolcreatedb, role.create_database ?? false);
    differs(what, "create_role", actual.rolcreaterole, role.create_role ?? false);
    differs(what, "inherit", actual.rolinherit, role.inherit ?? true);
    differs(what, "login", actual.rolcanlogin, role.login ?? false);
    differs(what, "bypass_row_level_security", actual.rolbypassrls, role.bypass_row_level_security ?? false);
    differs(what, "replication", actual.rolreplication, role.replication ?? false);
    differs(what, "connection_limit", actual.rolconnlimit, role.connection_limit ?? -1);
    differs(what, "roles", actual.roles, sorted(role.roles ?? []));
  }

  for (const g of resources(stack, "postgresql_grant_role")) {
    const [member] = await rows("SELECT pg_has_role($1, $2, 'MEMBER') AS is", [g.role, g.grant_role]);
    differs(`postgresql_grant_role ${g.grant_role} to ${g.role}`, "member", member?.is, true);
  }

  // The role's own ACL entries (aclexplode), as the provider's readRolePrivileges compares them.
  for (const grant of resources(stack, "postgresql_grant")) {
    const role = resolveName(stack, grant.role);
    const declared = sorted(grant.privileges as string[]);
    if (grant.object_type === "schema") {
      const got = await rows(
        `SELECT a.privilege_type AS p FROM pg_namespace n, aclexplode(n.nspacl) a
          WHERE n.nspname = $1 AND a.grantee = $2::regrole ORDER BY 1`,
        [grant.schema, role],
      );
      differs(
        `postgresql_grant schema ${grant.schema} to ${role}`,
        "privileges",
        got.map((r) => r.p),
        declared,
      );
    } else if (grant.object_type === "table") {
      // No objects: every table of the schema, as the provider reads it.
      const tables: string[] = (grant.objects ?? []).length
        ? grant.objects
        : (
            await rows(
              `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
              [grant.schema],
            )
          ).map((r) => r.relname);
      for (const table of tables) {
        const got = await rows(
          `SELECT a.privilege_type AS p FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                  aclexplode(c.relacl) a
            WHERE n.nspname = $1 AND c.relname = $2 AND a.grantee = $3::regrole ORDER BY 1`,
          [grant.schema, table, role],
        );
        const what = `postgresql_grant table ${grant.schema}.${table} to ${role}`;
        differs(
          what,
          "privileges",
          got.map((r) => r.p),
          declared,
        );
      }
    } else {
      throw new Error(`drift of grant ${grant.object_type} ${JSON.stringify(grant.objects)} is not emulated`);
    }
  }

  for (const d of resources(stack, "postgresql_default_privileges")) {
    const role = resolveName(stack, d.role);
    const got = await rows(
      `SELECT a.privilege_type AS p FROM pg_default_acl da, aclexplode(da.defaclacl) a
        WHERE da.defaclrole = $1::regrole AND da.defaclnamespace = $2::regnamespace
          AND da.defaclobjtype = 'r' AND a.grantee = $3::regrole ORDER BY 1`,
      [d.owner, d.schema, role],
    );
    const what = `postgresql_default_privileges for ${d.owner} in ${d.schema} to ${role}`;
    differs(
      what,
      "privileges",
      got.map((r) => r.p),
      sorted(d.privileges),
    );
  }

  for (const p of resources(stack, "postgresql_publication")) {
    const what = `postgresql_publication ${p.name}`;
    const [actual] = await rows(
      `SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate,
              ARRAY(SELECT schemaname || '.' || tablename FROM pg_publication_tables t
                     WHERE t.pubname = p.pubname ORDER BY 1) AS tables
         FROM pg_publication p WHERE pubname = $1`,
      [p.name],
    );
    if (!actual) {
      drift.push(`${what}: got no such publication; expected it to exist`);
      continue;
    }
    differs(what, "all_tables", actual.puballtables, false);
    if (!same(actual.tables, p.tables)) differs(what, "tables", actual.tables, sorted(p.tables));
    const publish = ["insert", "update", "delete", "truncate"].filter((op) => actual[`pub${op}`]);
    differs(what, "publish_param", publish, p.publish_param ?? ["insert", "update", "delete", "truncate"]);
  }
  return drift;
}
