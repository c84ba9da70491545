/**
 * The names the config gives PostgreSQL objects, checked against PostgreSQL's own rules before anything
 * reaches a database: zod field builders, one per kind of name, whose messages quote PostgreSQL's words.
 *
 * Every name is a lowercase identifier ([a-z_][a-z0-9_]*, at most 63 bytes: NAMEDATALEN - 1), so it means
 * the same quoted or not and carries no character a SQL or psql script could act on. On top of that, each
 * kind refuses what PostgreSQL (or RDS, or a client that does not quote) refuses:
 * - reserved key words (`pg_get_keywords()` categories R and T) where a name is written unquoted: the
 *   cyrilgdn/postgresql provider's `CREATE PUBLICATION <name>` (v1.26.0 does not quote it), Debezium's
 *   `heartbeat.action.query` (`UPDATE <schema>.debezium_heartbeat ...`), RDS (which refuses reserved words
 *   as master user and database names), and any operator typing the name in psql;
 * - role names PostgreSQL reserves (`pg_*`, `public`, `none`) and those RDS keeps for itself;
 * - schema names PostgreSQL reserves for system schemas (`pg_*`);
 * - replication slot names outside [a-z0-9_] (PostgreSQL's rule), or starting with a digit (the
 *   replication protocol's `START_REPLICATION SLOT <name>`, which Debezium's driver sends unquoted, does
 *   not parse them).
 * Table and column names are always quoted, by this project's SQL, the provider and Debezium alike, so
 * they may be key words (a table named `user` is common), but not system column names.
 *
 * @see https://www.postgresql.org/docs/15/sql-keywords-appendix.html
 * @see https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
 */
import { z } from "zod";

/** PostgreSQL 15's reserved key words: `SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')`. */
export const POSTGRES_15_RESERVED_WORDS: readonly string[] = [
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "authorization",
  "binary",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "collation",
  "column",
  "concurrently",
  "constraint",
  "create",
  "cross",
  "current_catalog",
  "current_date",
  "current_role",
  "current_schema",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "freeze",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "ilike",
  "in",
  "initially",
  "inner",
  "intersect",
  "into",
  "is",
  "isnull",
  "join",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "localtime",
  "localtimestamp",
  "natural",
  "not",
  "notnull",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "overlaps",
  "placing",
  "primary",
  "references",
  "returning",
  "right",
  "select",
  "session_user",
  "similar",
  "some",
  "symmetric",
  "table",
  "tablesample",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "verbose",
  "when",
  "where",
  "window",
  "with",
];

const RESERVED = new Set(POSTGRES_15_RESERVED_WORDS);

/** PostgreSQL's limit: NAMEDATALEN (64) - 1 bytes; these names are ASCII, so characters. */
export const PG_NAME_MAX_LENGTH = 63;

/** A lowercase identifier: the same quoted or unquoted, and nothing in it that SQL or psql acts on. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** RDS's rule for the master user and the database: a letter first. */
const LETTER_FIRST = /^[a-z][a-z0-9_]*$/;
/** PostgreSQL's rule for replication slots (ReplicationSlotValidateName), with a letter or _ first. */
const SLOT = /^[a-z_][a-z0-9_]*$/;

/** Columns every table has (PostgreSQL: column name "xmin" conflicts with a system column name). */
const SYSTEM_COLUMNS = ["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid"];
/** Roles RDS creates and keeps for itself. */
const RDS_ROLE = /^(rdsadmin|rdsrepladmin|rdstopmgr|rds_.*)$/;

type Check = (name: string) => string | undefined;

/** A string field: the pattern (also in the JSON Schema), the length, then each check's "expected ..." message. */
function pgName(what: string, pattern: RegExp, patternText: string, checks: Check[]) {
  return z
    .string()
    .max(
      PG_NAME_MAX_LENGTH,
      `expected a ${what} of at most ${PG_NAME_MAX_LENGTH} characters (PostgreSQL's NAMEDATALEN - 1)`,
    )
    .regex(pattern, `expected a ${what} of ${patternText}`)
    .superRefine((name, ctx) => {
      if (name.length > PG_NAME_MAX_LENGTH || !pattern.test(name)) return;
      for (const check of checks) {
        const message = check(name);
        if (message) {
          ctx.addIssue({ code: "custom", message, input: name });
          return;
        }
      }
    });
}

const LOWERCASE = "lowercase letters, digits and _, not starting with a digit";

const notReserved =
  (what: string, where: string): Check =>
  (name) =>
    RESERVED.has(name)
      ? `expected a ${what} that is not a reserved word: "${name}" is reserved in PostgreSQL 15 (syntax error at or near "${name}" wherever it is written unquoted, as ${where})`
      : undefined;

const notPgPrefix =
  (what: string, postgresSays: (name: string) => string): Check =>
  (name) =>
    name.startsWith("pg_")
      ? `expected a ${what} not starting with pg_ (PostgreSQL: ${postgresSays(name)})`
      : undefined;

const roleChecks = (what: string): Check[] => [
  notPgPrefix(what, (n) => `role name "${n}" is reserved; role names starting with "pg_" are reserved`),
  (name) =>
    name === "public" || name === "none"
      ? `expected a ${what} other than public and none (PostgreSQL: role name "${name}" is reserved)`
      : undefined,
  (name) =>
    RDS_ROLE.test(name)
      ? `expected a ${what} other than rdsadmin and rds_* (RDS keeps those roles for itself)`
      : undefined,
  notReserved(what, "GRANT ... TO <role> and RDS's master user name are"),
];

/** A login or group role (capture.cdcRoleName, capture.tableOwner). */
export const pgRoleName = () => pgName("role name", IDENTIFIER, LOWERCASE, roleChecks("role name"));

/** RDS's master user: a role name with a letter first (RDS's rule for MasterUsername). */
export const rdsMasterUsername = () =>
  pgName(
    "master user name",
    LETTER_FIRST,
    "lowercase letters, digits and _, starting with a letter (RDS's rule)",
    roleChecks("master user name"),
  );

/** A schema (capture.tables[].schema, capture.heartbeatSchema). */
export const pgSchemaName = () =>
  pgName("schema name", IDENTIFIER, LOWERCASE, [
    notPgPrefix(
      "schema name",
      (n) => `unacceptable schema name "${n}"; the prefix "pg_" is reserved for system schemas`,
    ),
    (name) =>
      name === "information_schema"
        ? "expected a schema of your own, not information_schema (the SQL standard's catalog views)"
        : undefined,
    notReserved("schema name", "Debezium's heartbeat query UPDATE <schema>.debezium_heartbeat is"),
  ]);

/** A table: always quoted (this project's SQL, the provider, Debezium), so key words are allowed. */
export const pgTableName = () => pgName("table name", IDENTIFIER, LOWERCASE, []);

/** A column of a table the pipeline creates: always quoted, so key words are allowed; not a system column. */
export const pgColumnName = () =>
  pgName("column name", IDENTIFIER, LOWERCASE, [
    (name) =>
      SYSTEM_COLUMNS.includes(name)
        ? `expected a column name other than ${SYSTEM_COLUMNS.join(", ")} (PostgreSQL: column name "${name}" conflicts with a system column name)`
        : undefined,
  ]);

/** A publication: the provider writes CREATE PUBLICATION <name> unquoted. */
export const pgPublicationName = () =>
  pgName("publication name", IDENTIFIER, LOWERCASE, [
    notReserved("publication name", "the PostgreSQL provider's CREATE PUBLICATION <name> is"),
  ]);

/** A logical replication slot. */
export const pgSlotName = () =>
  pgName(
    "replication slot name",
    SLOT,
    "lowercase letters, digits and _ (PostgreSQL: replication slot names may only contain lower case " +
      "letters, numbers, and the underscore character), starting with a letter or _ (Debezium's driver " +
      "sends START_REPLICATION SLOT <name> unquoted, and a leading digit is a syntax error there)",
    [],
  );

/** The database holding the captured tables (RDS's DBName: a letter first, no reserved word). */
export const pgDatabaseName = () =>
  pgName(
    "database name",
    LETTER_FIRST,
    "lowercase letters, digits and _, starting with a letter (RDS's rule)",
    [
      (name) =>
        ["template0", "template1", "rdsadmin"].includes(name)
          ? `expected a database of your own, not ${name} (it exists in every RDS PostgreSQL instance)`
          : undefined,
      notReserved("database name", "RDS's DBName is"),
    ],
  );
