/**
 * The cyrilgdn/postgresql provider (1.26.0) has no binary on this machine, so the real-server tests run
 * the SQL it would run for each postgresql_* resource of the synthesized stack, statement for statement
 * (read from the provider's source at v1.26.0: resource_postgresql_role.go, _grant.go,
 * _default_privileges.go, _publication.go, _replication_slot.go). Input is the stack's JSON, so what is
 * tested is what the stack declares. The provider's temporary borrowing of owner roles (withRolesGranted)
 * is not needed: the master user owns what it grants on here.
 */
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
