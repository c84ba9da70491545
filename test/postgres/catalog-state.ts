import type { Client } from "pg";

/** Schemas that hold the server's own objects, not the application's or the pipeline's. */
const USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

/** An ACL as sorted `grantee:PRIVILEGE[*] by grantor` lines (PUBLIC for grantee 0): order-free, comparable. */
const ACL = (column: string) => `ARRAY(
  SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ':' || a.privilege_type
         || CASE WHEN a.is_grantable THEN '*' ELSE '' END || ' by ' || pg_get_userbyid(a.grantor)
    FROM aclexplode(${column}) a ORDER BY 1)`;

/**
 * What the database stack can change in the connected database, from the catalogs: `roles`' attributes and
 * memberships, the non-system schemas and relations (oid, owner, replica identity, ACL), default privileges
 * and publications. Equal before and after a re-run means the re-run created, dropped, altered, granted and
 * revoked nothing (oids included, so nothing was re-created either). Passwords are not compared: pg_roles
 * masks them, and the password step writes a freshly salted verifier each time by design.
 */
export async function catalogState(c: Client, roles: readonly string[]) {
  const rows = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows;
  return {
    roles: await rows(
      `SELECT r.oid::int, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
              rolconnlimit, rolvaliduntil, rolbypassrls, rolconfig,
              ARRAY(SELECT b.rolname || CASE WHEN m.admin_option THEN ' (admin)' ELSE '' END
                      FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1) AS member_of
         FROM pg_roles r WHERE rolname = ANY($1) ORDER BY rolname`,
      [roles],
    ),
    schemas: await rows(
      `SELECT n.oid::int, nspname, pg_get_userbyid(nspowner) AS owner, ${ACL("n.nspacl")} AS acl
         FROM pg_namespace n WHERE ${USER_SCHEMAS} ORDER BY nspname`,
    ),
    relations: await rows(
      `SELECT c.oid::int, n.nspname || '.' || c.relname AS name, c.relkind, pg_get_userbyid(c.relowner) AS owner,
              c.relreplident, ${ACL("c.relacl")} AS acl
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMAS} ORDER BY 2`,
    ),
    defaultPrivileges: await rows(
      `SELECT pg_get_userbyid(d.defaclrole) AS owner, d.defaclnamespace::regnamespace::text AS schema,
              d.defaclobjtype, ${ACL("d.defaclacl")} AS acl
         FROM pg_default_acl d ORDER BY 1, 2, 3`,
    ),
    publications: await rows(
      `SELECT p.oid::int, pubname, pg_get_userbyid(pubowner) AS owner, puballtables, pubinsert, pubupdate,
              pubdelete, pubtruncate, pubviaroot,
              ARRAY(SELECT schemaname || '.' || tablename FROM pg_publication_tables t
                     WHERE t.pubname = p.pubname ORDER BY 1) AS tables
         FROM pg_publication p ORDER BY pubname`,
    ),
  };
}

/**
 * What `role` may do in the connected database, whatever the way (its own grants, PUBLIC's, its
 * memberships'), as `relation privilege` and `schema: privilege` lines: every table-level privilege on
 * every non-system relation (tables, views, sequences...), and USAGE and CREATE on every non-system schema.
 */
export async function effectivePrivileges(c: Client, role: string) {
  const relations = await c.query<{ line: string }>(
    `SELECT n.nspname || '.' || c.relname || ' ' || p.priv AS line
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(priv)
      WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND has_table_privilege($1, c.oid, p.priv)
      ORDER BY 1`,
    [role],
  );
  const schemas = await c.query<{ line: string }>(
    `SELECT n.nspname || ': ' || p.priv AS line
       FROM pg_namespace n CROSS JOIN unnest(ARRAY['USAGE', 'CREATE']) AS p(priv)
      WHERE ${USER_SCHEMAS} AND has_schema_privilege($1, n.oid, p.priv)
      ORDER BY 1`,
    [role],
  );
  return { relations: relations.rows.map((r) => r.line), schemas: schemas.rows.map((r) => r.line) };
}
