/**
 * `npm run verify`, source stage: what one PostgreSQL source must hold for the pipeline to capture it, read
 * from the catalogs as the admin login (read-only), and the CDC role's own login. Each check says what it saw
 * and, when it does not pass, the fix in the operator's terms (docs/runbook.md has a section per check).
 *
 * Checks, in order: admin-login (the session the others need), wal-level, slot, slot-lag, publication,
 * replica-identity, cdc-login, cdc-rights. Each catches its own errors; a check that needs a session that
 * could not be opened is `skip`. No password is ever part of a result (PostgreSQL's messages hold none, and
 * any echo of one is masked anyway).
 *
 * Names checked against PostgreSQL 15: pg_replication_slots (wal_status reserved, extended, unreserved, lost;
 * confirmed_flush_lsn), pg_publication_tables, pg_class.relreplident, has_*_privilege, aclexplode, acldefault.
 * @see https://www.postgresql.org/docs/15/view-pg-replication-slots.html
 */
import { Client, type ClientConfig } from "pg";
import type { CapturedTableConfig, SourceConfig } from "../config/pipeline-config";
import { canaryTableOf, HEARTBEAT_TABLE } from "../sql/capture-sql";
import { quoteIdent, quoteLiteral } from "../sql/quote";
import { type CheckResult, result, type Verdict } from "./check";
import type { PgLogin, SourceTarget } from "./source-target";

/** How long verify waits for a server to answer, and for one catalog query. */
const CONNECT_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Where no max_slot_wal_keep_size caps a slot's WAL, the lag verify warns about. With a cap, half of it:
 * past the cap PostgreSQL invalidates the slot, and recovery needs a new snapshot.
 */
export const UNCAPPED_SLOT_LAG_WARNING_BYTES = 1024 ** 3;

/** RDS's and Aurora's role that lets its members replicate (there is no superuser there). */
const RDS_REPLICATION = "rds_replication";

/**
 * The pg client settings for a login: TLS as the database stack's `sslmode=require` (encrypted, the
 * certificate not checked) when `ssl`, and timeouts so that an unreachable server fails instead of hanging.
 */
export function clientConfig(login: PgLogin, ssl: boolean): ClientConfig {
  return {
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.user,
    password: login.password,
    ssl: ssl ? { rejectUnauthorized: false } : false,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
    application_name: "cdc-lake verify",
  };
}

/** An open session as `login`; the caller ends it. */
export async function connectAs(login: PgLogin, ssl: boolean): Promise<Client> {
  const client = new Client(clientConfig(login, ssl));
  // A connection lost later surfaces as the next query's error; without a listener it would crash verify.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** `1.5 MiB`: binary units, one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** An error's message, with the login's password masked should anything echo it. */
function messageOf(error: unknown, login?: PgLogin): string {
  const text = error instanceof Error ? error.message || String(error) : String(error);
  // A password too short to be one the pipeline generates (32 characters) would mask ordinary words.
  return login?.password && login.password.length >= 8 ? text.replaceAll(login.password, "***") : text;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Why `login` could not open a session, and the fix: the network (or the tunnel of connectThrough), TLS,
 * the password, the database, or PostgreSQL's own refusal. `who`: "admin" or "CDC role".
 */
export function loginProblem(
  target: SourceTarget,
  login: PgLogin,
  who: "admin" | "CDC role",
  error: unknown,
): { detail: string; fix: string } {
  const where = `${login.host}:${login.port}`;
  const message = messageOf(error, login);
  const detail = `${who} ${login.user} at ${where}/${login.database}: got ${message}; expected a session`;
  const code = (error as { code?: unknown } | undefined)?.code;
  const tunnel = target.config.connectThrough;
  if (
    (typeof code === "string" && NETWORK_CODES.has(code)) ||
    /timeout|terminated unexpectedly/i.test(message)
  ) {
    return {
      detail,
      fix: tunnel
        ? `nothing answers at ${where}, the local end of the tunnel (connectThrough): open the tunnel to the database, then run verify again`
        : `this machine cannot reach ${where}: admit it (the database's security group or network, e.g. network.operatorAccess), or open a tunnel to the database and set connectThrough to its local end`,
    };
  }
  if (/does not support SSL/i.test(message)) {
    return {
      detail,
      fix: "the server offers no TLS, and verify connects as the database stack does (sslmode=require): turn ssl on on the server",
    };
  }
  if (code === "28P01") {
    return {
      detail,
      fix:
        who === "admin"
          ? target.config.server.kind === "managed"
            ? "the password verify read is not the master user's: check the RDS-managed master secret of the instance"
            : "the password in the admin secret (adminSecretArn) is not the server's: update the secret's password"
          : "the role's password is not its secret's (the connector logs in with the secret's): apply the database stack, whose password step sets the role's password from the secret",
    };
  }
  if (code === "3D000") {
    return {
      detail,
      fix: `database ${login.database} does not exist on ${where}: check the source's database`,
    };
  }
  if (code === "28000") {
    return {
      detail,
      fix: `PostgreSQL refused the login: admit ${login.user} from this machine in pg_hba.conf (self-managed), or, for the CDC role, apply the database stack (it creates the role)`,
    };
  }
  if (code === "53300") {
    return {
      detail,
      fix: `every connection ${login.user} may open is in use: end idle sessions (pg_stat_activity), then run verify again`,
    };
  }
  return { detail, fix: "see PostgreSQL's message above, then run verify again" };
}

interface Slot {
  readonly slot_name: string;
  readonly plugin: string | null;
  readonly slot_type: string;
  readonly database: string | null;
  readonly active: boolean;
  readonly wal_status: string | null;
  readonly behind: string | null;
  readonly retained: string | null;
}

/** `schema.table`, as the config and pg_publication_tables write a table. */
const nameOf = (t: { readonly schema: string; readonly table: string }) => `${t.schema}.${t.table}`;

/** The first `max` of `items`, joined, and how many more. */
function listed(items: readonly string[], separator = ", ", max = 10): string {
  const shown = items.slice(0, max).join(separator);
  return items.length > max ? `${shown}${separator}and ${items.length - max} more` : shown;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The source's engine, as the fixes name it: the pipeline's own RDS instance is `managed`. */
function engineOf(config: SourceConfig): "managed" | "rds-postgresql" | "aurora-postgresql" | "postgresql" {
  return config.server.kind === "managed" ? "managed" : config.server.engine;
}

/** The fix for wal_level, per engine (the parameter is static: it takes a reboot or restart). */
function walLevelFix(config: SourceConfig): string {
  switch (engineOf(config)) {
    case "managed":
      return "the pipeline's own parameter group sets rds.logical_replication = 1: apply the platform stack, then reboot the RDS instance (the parameter is static, and Terraform does not reboot)";
    case "rds-postgresql":
      return "set rds.logical_replication = 1 in the DB instance's parameter group and reboot the instance (the parameter is static)";
    case "aurora-postgresql":
      return "set rds.logical_replication = 1 in the DB cluster parameter group and reboot the writer instance (the parameter is static)";
    case "postgresql":
      return "set wal_level = logical in postgresql.conf (or with ALTER SYSTEM) and restart the server";
  }
}

/** Schemas of the server's own objects: not the application's or the pipeline's. */
const USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

/**
 * Table privileges; the column ones can also be granted on single columns, which has_any_column_privilege
 * sees (INSERT on one column of an application table counts as INSERT on the table).
 */
const TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
const COLUMN_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "REFERENCES"];
const SEQUENCE_PRIVILEGES = ["USAGE", "SELECT", "UPDATE"];
const KIND_WORDS: Record<string, string> = {
  v: "view ",
  m: "materialized view ",
  f: "foreign table ",
  S: "sequence ",
};

/** Runs the checks of one source, in order; never throws. */
export async function checkSource(target: SourceTarget): Promise<CheckResult[]> {
  const { capture } = target.config;
  const results: CheckResult[] = [];
  const add = (
    check: string,
    verdict: Verdict,
    detail: string,
    extra: { fix?: string; data?: Record<string, unknown> } = {},
  ) => {
    results.push(result("source", check, verdict, detail, { source: target.name, ...extra }));
  };
  /** Runs one check; an error it did not expect is its own fail, and the next checks still run. */
  const guarded = async (check: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      add(check, "fail", `could not check: ${messageOf(error, target.admin)}`, {
        fix: "run verify again; if this persists, check that the admin login may read the catalogs (it runs read-only queries)",
      });
    }
  };

  let admin: Client | undefined;
  try {
    admin = await connectAs(target.admin, target.ssl);
    const version = Number(
      (await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v,
    );
    add(
      "admin-login",
      "pass",
      `admin ${target.admin.user} logged in to ${target.admin.host}:${target.admin.port}/${target.admin.database} ${target.ssl ? "over TLS" : "without TLS"}, PostgreSQL ${Math.floor(version / 10000)}.${version % 10000}`,
      { data: { serverVersionNum: version } },
    );
  } catch (error) {
    await admin?.end().catch(() => {});
    admin = undefined;
    add("admin-login", "fail", ...withFix(loginProblem(target, target.admin, "admin", error)));
  }

  try {
    const noAdmin = "not checked: no session as the admin login (see admin-login)";
    if (!admin) {
      for (const check of ["wal-level", "slot", "slot-lag", "publication", "replica-identity"])
        add(check, "skip", noAdmin);
    } else {
      const c = admin;
      await guarded("wal-level", () => checkWalLevel(c, target.config, add));
      let slot: Slot | undefined;
      await guarded("slot", async () => {
        slot = await checkSlot(c, target.config, add);
      });
      await guarded("slot-lag", () => checkSlotLag(c, slot, add));
      await guarded("publication", () => checkPublication(c, target.config, add));
      await guarded("replica-identity", () => checkReplicaIdentity(c, capture.tables, add));
    }
    await checkCdcLogin(target, add);
    if (!admin) add("cdc-rights", "skip", noAdmin);
    else {
      const c = admin;
      await guarded("cdc-rights", () => checkCdcRights(c, target.config, add));
    }
  } finally {
    await admin?.end().catch(() => {});
  }
  return results;
}

type Add = (
  check: string,
  verdict: Verdict,
  detail: string,
  extra?: { fix?: string; data?: Record<string, unknown> },
) => void;

const withFix = (p: { detail: string; fix: string }): [string, { fix: string }] => [p.detail, { fix: p.fix }];

async function checkWalLevel(c: Client, config: SourceConfig, add: Add): Promise<void> {
  const level = (await c.query<{ level: string }>("SELECT current_setting('wal_level') AS level")).rows[0]
    ?.level;
  if (level === "logical") add("wal-level", "pass", "wal_level is logical", { data: { walLevel: level } });
  else
    add("wal-level", "fail", `wal_level: got ${level}; expected logical`, {
      fix: walLevelFix(config),
      data: { walLevel: level },
    });
}

/** The pipeline's slot, when it is one: logical, pgoutput, in the source's database. */
async function checkSlot(c: Client, config: SourceConfig, add: Add): Promise<Slot | undefined> {
  const { slotName } = config.capture;
  const slot = (
    await c.query<Slot>(
      `SELECT slot_name, plugin, slot_type, database, active, wal_status,
              pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS behind,
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained
         FROM pg_replication_slots WHERE slot_name = $1`,
      [slotName],
    )
  ).rows[0];
  const expected = `a logical slot with plugin pgoutput in database ${config.databaseName}`;
  if (!slot) {
    add("slot", "fail", `slot ${slotName}: got no such slot; expected ${expected}`, {
      fix: "the Debezium connector creates the slot when it starts: check the connector (verify's connectors stage, then its log)",
    });
    return undefined;
  }
  const got = `a ${slot.slot_type} slot with plugin ${slot.plugin ?? "none"} in database ${slot.database ?? "none"}`;
  if (slot.slot_type !== "logical" || slot.plugin !== "pgoutput" || slot.database !== config.databaseName) {
    add("slot", "fail", `slot ${slotName}: got ${got}; expected ${expected}`, {
      fix: `the slot is not the one Debezium reads: once nothing reads it, drop it (SELECT pg_drop_replication_slot(${quoteLiteral(slotName)})) and restart the connector, which creates it with pgoutput`,
    });
    return undefined;
  }
  add("slot", "pass", `slot ${slotName}: ${got}`);
  return slot;
}

async function checkSlotLag(c: Client, slot: Slot | undefined, add: Add): Promise<void> {
  if (!slot) {
    add("slot-lag", "skip", "not measured: no pipeline slot (see slot)");
    return;
  }
  const cap = (
    await c.query<{ mib: string }>(
      "SELECT setting AS mib FROM pg_settings WHERE name = 'max_slot_wal_keep_size'",
    )
  ).rows[0]?.mib;
  const capBytes = cap !== undefined && Number(cap) > 0 ? Number(cap) * 1024 ** 2 : undefined;
  const threshold = capBytes !== undefined ? capBytes / 2 : UNCAPPED_SLOT_LAG_WARNING_BYTES;
  const behind = Math.max(0, Number(slot.behind ?? 0));
  const status = slot.wal_status ?? "none";
  const data = {
    slot: slot.slot_name,
    active: slot.active,
    walStatus: status,
    bytesBehind: behind,
    bytesRetained: slot.retained === null ? null : Number(slot.retained),
    maxSlotWalKeepSizeBytes: capBytes ?? null,
    warnAboveBytes: threshold,
  };
  const seen = `slot ${slot.slot_name} ${slot.active ? "active" : "inactive"}, ${formatBytes(behind)} behind (wal_status ${status})`;
  const capText =
    capBytes !== undefined ? `max_slot_wal_keep_size ${formatBytes(capBytes)}` : "no max_slot_wal_keep_size";
  const drop = `drop the slot (SELECT pg_drop_replication_slot(${quoteLiteral(slot.slot_name)})) and restart the connector with snapshot mode when_needed or initial (connectors.snapshotMode)`;
  if (status === "lost") {
    add("slot-lag", "fail", `${seen}: PostgreSQL removed WAL the slot still needed (${capText})`, {
      fix: `the changes since are lost to the slot, and recovery needs a new snapshot: ${drop}; it creates a new slot and snapshots the tables again`,
      data,
    });
    return;
  }
  const reasons: string[] = [];
  if (status === "unreserved")
    reasons.push(`past ${capText}: PostgreSQL invalidates the slot at its next checkpoint`);
  else if (status !== "reserved" && status !== "extended") reasons.push("it reserves no WAL");
  if (!slot.active) reasons.push("nothing reads it");
  if (behind > threshold)
    reasons.push(
      `more than ${formatBytes(threshold)} behind (${capBytes !== undefined ? `half of ${capText}` : capText})`,
    );
  if (reasons.length === 0) {
    add("slot-lag", "pass", seen, { data });
    return;
  }
  const fix =
    status === "unreserved"
      ? `get the connector reading now (check it in verify's connectors stage), or raise max_slot_wal_keep_size; once the slot is lost, recovery needs a new snapshot: ${drop}`
      : !slot.active
        ? "check the Debezium connector (verify's connectors stage, then its log): while nothing reads the slot it keeps WAL, and past max_slot_wal_keep_size PostgreSQL invalidates it (recovery then needs a new snapshot)"
        : "the connector reads slower than the source writes, or is held up (a long transaction, a failing sink): check its log and the source's write rate";
  add("slot-lag", "warn", `${seen}: ${reasons.join("; ")}`, { fix, data });
}

/** The publication holds exactly the configured tables, the heartbeat and the canary, publishing changes. */
async function checkPublication(c: Client, config: SourceConfig, add: Add): Promise<void> {
  const { publicationName, heartbeatSchema, tables } = config.capture;
  const publication = (
    await c.query<{ puballtables: boolean; pubinsert: boolean; pubupdate: boolean; pubdelete: boolean }>(
      "SELECT puballtables, pubinsert, pubupdate, pubdelete FROM pg_publication WHERE pubname = $1",
      [publicationName],
    )
  ).rows[0];
  if (!publication) {
    add(
      "publication",
      "fail",
      `publication ${publicationName}: got no such publication in database ${config.databaseName}; expected one`,
      { fix: "apply the database stack: it creates the publication" },
    );
    return;
  }
  const expected = [
    ...tables.map(nameOf),
    nameOf({ schema: heartbeatSchema, table: HEARTBEAT_TABLE }),
    nameOf(canaryTableOf(heartbeatSchema)),
  ];
  const published = (
    await c.query<{ name: string }>(
      "SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1",
      [publicationName],
    )
  ).rows.map((r) => r.name);
  const missing = expected.filter((t) => !published.includes(t));
  const extra = published.filter((t) => !expected.includes(t));
  const operations = (["insert", "update", "delete"] as const).filter(
    (op) => publication[`pub${op}` as "pubinsert"],
  );
  const problems = [
    ...(missing.length ? [`missing ${listed(missing)}`] : []),
    ...(extra.length
      ? [`extra ${listed(extra)}${publication.puballtables ? " (it is FOR ALL TABLES)" : ""}`]
      : []),
    ...(operations.length < 3 ? [`publishes ${operations.join(", ") || "nothing"}`] : []),
  ];
  const what = `${plural(tables.length, "configured table")}, the heartbeat and the canary`;
  const data = { publication: publicationName, missing, extra, operations };
  if (problems.length === 0) {
    add(
      "publication",
      "pass",
      `publication ${publicationName} publishes insert, update, delete of exactly the ${what}`,
      { data },
    );
    return;
  }
  add(
    "publication",
    "fail",
    `publication ${publicationName}: got ${problems.join("; ")}; expected insert, update, delete of exactly the ${what}`,
    {
      fix: "apply the database stack: it sets the publication's tables and operations to the configured ones (Debezium only sees what the publication holds)",
      data,
    },
  );
}

const IDENTITIES: Record<string, string> = { d: "default", f: "full", n: "nothing", i: "index" };

async function checkReplicaIdentity(
  c: Client,
  tables: readonly CapturedTableConfig[],
  add: Add,
): Promise<void> {
  const rows = (
    await c.query<{ relreplident: string | null; has_pk: boolean }>(
      `SELECT c.relreplident, EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w (schema_name, table_name, ord)
         LEFT JOIN pg_namespace n ON n.nspname = w.schema_name
         LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p')
        ORDER BY w.ord`,
      [tables.map((t) => t.schema), tables.map((t) => t.table)],
    )
  ).rows;
  const problems: string[] = [];
  tables.forEach((t, i) => {
    const row = rows[i];
    if (!row?.relreplident) {
      problems.push(`${nameOf(t)}: got no such table`);
      return;
    }
    const got = IDENTITIES[row.relreplident] ?? row.relreplident;
    if (got !== t.replicaIdentity) problems.push(`${nameOf(t)}: got ${got}; expected ${t.replicaIdentity}`);
    else if (got === "default" && !row.has_pk)
      problems.push(
        `${nameOf(t)}: got default without a primary key; expected a primary key (or full): UPDATE and DELETE on it fail while it is published`,
      );
  });
  const full = tables.filter((t) => t.replicaIdentity === "full").length;
  const counts = `${full} full, ${tables.length - full} default`;
  if (problems.length === 0) {
    add(
      "replica-identity",
      "pass",
      `replica identity as configured on ${plural(tables.length, "table")} (${counts})`,
    );
    return;
  }
  add("replica-identity", "fail", listed(problems, "; "), {
    fix: "apply the database stack: it sets each captured table's REPLICA IDENTITY (a table without a primary key needs replicaIdentity: full); a missing application table must be created first",
    data: { problems },
  });
}

/** The CDC role logs in with its secret's password and may replicate, as Debezium needs. */
async function checkCdcLogin(target: SourceTarget, add: Add): Promise<void> {
  const { cdcRoleName } = target.config.capture;
  let client: Client;
  try {
    client = await connectAs(target.cdc, target.ssl);
  } catch (error) {
    add("cdc-login", "fail", ...withFix(loginProblem(target, target.cdc, "CDC role", error)));
    return;
  }
  try {
    const me = (
      await client.query<{ user: string; rolreplication: boolean; rds_replication: boolean }>(
        `SELECT current_user AS user, r.rolreplication,
                EXISTS (SELECT FROM pg_roles g WHERE g.rolname = $1 AND pg_has_role(current_user, g.oid, 'MEMBER'))
                  AS rds_replication
           FROM pg_roles r WHERE r.rolname = current_user`,
        [RDS_REPLICATION],
      )
    ).rows[0];
    const at = `${target.cdc.database} at ${target.cdc.host}:${target.cdc.port}`;
    if (me?.user !== cdcRoleName) {
      add("cdc-login", "fail", `logged in to ${at} as ${me?.user}; expected the CDC role ${cdcRoleName}`, {
        fix: "the CDC secret's username is not the configured role: apply the database stack, which writes the secret",
      });
      return;
    }
    const rds = engineOf(target.config) !== "postgresql";
    if (rds ? me.rds_replication : me.rolreplication) {
      add(
        "cdc-login",
        "pass",
        `${cdcRoleName} logs in to ${at} and may replicate (${rds ? `member of ${RDS_REPLICATION}` : "REPLICATION attribute"})`,
      );
      return;
    }
    add(
      "cdc-login",
      "fail",
      rds
        ? `${cdcRoleName} logs in to ${at}: got no membership in ${RDS_REPLICATION}; expected one (RDS and Aurora let its members replicate)`
        : `${cdcRoleName} logs in to ${at}: got NOREPLICATION; expected the REPLICATION attribute`,
      {
        fix: rds
          ? `apply the database stack: it grants ${RDS_REPLICATION} to the role`
          : `apply the database stack as a superuser admin: it gives the role REPLICATION (or ALTER ROLE ${quoteIdent(cdcRoleName)} REPLICATION)`,
      },
    );
  } catch (error) {
    add("cdc-login", "fail", `could not check: ${messageOf(error, target.cdc)}`, {
      fix: "run verify again",
    });
  } finally {
    await client.end().catch(() => {});
  }
}

interface Held {
  readonly object: string;
  readonly priv: string;
  /** PUBLIC holds it too: every role may, so it is not the CDC role's. */
  readonly public: boolean;
}

/**
 * The CDC role's effective privileges in the source's database (its own grants, its memberships', its
 * attributes) are exactly Debezium's: SELECT on the captured tables and the canary, SELECT and UPDATE on
 * the heartbeat table, USAGE on their schemas. What PUBLIC holds (CONNECT, TEMPORARY, USAGE on public) is
 * every role's and not counted. SELECT on a table the table owner created later in a captured schema is
 * the stack's default privileges (capturing it later needs no grant): listed, not failed.
 */
async function checkCdcRights(c: Client, config: SourceConfig, add: Add): Promise<void> {
  const { cdcRoleName, heartbeatSchema, tableOwner, tables } = config.capture;
  const role = (
    await c.query<{
      oid: string;
      rolsuper: boolean;
      rolcreaterole: boolean;
      rolcreatedb: boolean;
      rolbypassrls: boolean;
      member_of: string[];
    }>(
      `SELECT r.oid::text AS oid, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
              ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1) AS member_of
         FROM pg_roles r WHERE r.rolname = $1`,
      [cdcRoleName],
    )
  ).rows[0];
  if (!role) {
    add("cdc-rights", "fail", `role ${cdcRoleName}: got no such role; expected the CDC role`, {
      fix: "apply the database stack: it creates the role",
    });
    return;
  }
  /** What Debezium needs on each table: the configured ones and the canary are read, the heartbeat updated. */
  const wanted: { schema: string; table: string; privs: string[] }[] = [
    ...tables.map((t) => ({ schema: t.schema, table: t.table, privs: ["SELECT"] })),
    { ...canaryTableOf(heartbeatSchema), privs: ["SELECT"] },
    { schema: heartbeatSchema, table: HEARTBEAT_TABLE, privs: ["SELECT", "UPDATE"] },
  ];
  const isWanted = (object: string, priv: string) =>
    wanted.some((w) => nameOf(w) === object && w.privs.includes(priv));
  const wantedSchemas = [...new Set([...tables.map((t) => t.schema), heartbeatSchema])].sort();
  const allowedMemberships = engineOf(config) === "postgresql" ? [] : [RDS_REPLICATION];

  const extra: string[] = [
    ...(role.rolsuper ? ["SUPERUSER (every privilege)"] : []),
    ...(role.rolcreaterole ? ["CREATEROLE"] : []),
    ...(role.rolcreatedb ? ["CREATEDB"] : []),
    ...(role.rolbypassrls ? ["BYPASSRLS"] : []),
    ...role.member_of.filter((r) => !allowedMemberships.includes(r)).map((r) => `member of ${r}`),
  ];
  const missing: string[] = [];
  const byDefault: string[] = [];

  // A superuser holds everything: listing each privilege would say nothing more.
  if (!role.rolsuper) {
    const held = await heldPrivileges(c, role.oid, tableOwner, wantedSchemas);
    const groups = new Map<string, string[]>();
    for (const h of held.relations) {
      if (isWanted(h.object, h.priv) || h.public) continue;
      if (h.byDefault) {
        byDefault.push(h.object);
        continue;
      }
      const key = `${KIND_WORDS[h.kind] ?? ""}${h.object}`;
      groups.set(key, [...(groups.get(key) ?? []), h.priv]);
    }
    extra.push(...[...groups].map(([object, privs]) => `${privs.join(", ")} on ${object}`));
    for (const h of held.schemas) {
      if ((h.priv === "USAGE" && wantedSchemas.includes(h.object)) || h.public) continue;
      extra.push(`${h.priv} on schema ${h.object}`);
    }
    for (const h of held.database)
      if (!h.public && h.priv !== "CONNECT") extra.push(`${h.priv} on database ${h.object}`);

    const expected = wanted.flatMap((w) => w.privs.map((priv) => ({ ...w, priv })));
    const have = (
      await c.query<{ held: boolean }>(
        `SELECT coalesce(has_table_privilege($1::oid, c.oid, w.priv), false) AS held
           FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS w (schema_name, table_name, priv, ord)
           LEFT JOIN pg_namespace n ON n.nspname = w.schema_name
           LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name
          ORDER BY w.ord`,
        [role.oid, expected.map((e) => e.schema), expected.map((e) => e.table), expected.map((e) => e.priv)],
      )
    ).rows;
    expected.forEach((e, i) => {
      if (!have[i]?.held) missing.push(`${e.priv} on ${nameOf(e)}`);
    });
    const schemaUsage = (
      await c.query<{ held: boolean }>(
        `SELECT coalesce(has_schema_privilege($1::oid, n.oid, 'USAGE'), false) AS held
           FROM unnest($2::text[]) WITH ORDINALITY AS w (schema_name, ord)
           LEFT JOIN pg_namespace n ON n.nspname = w.schema_name
          ORDER BY w.ord`,
        [role.oid, wantedSchemas],
      )
    ).rows;
    wantedSchemas.forEach((s, i) => {
      if (!schemaUsage[i]?.held) missing.push(`USAGE on schema ${s}`);
    });
  }

  const data = { role: cdcRoleName, extra, missing, selectByDefaultPrivileges: byDefault };
  const later = byDefault.length
    ? `; also SELECT on ${plural(byDefault.length, "table")} ${tableOwner} created later in a captured schema (the stack's default privileges): ${listed(byDefault)}`
    : "";
  if (extra.length === 0 && missing.length === 0) {
    add(
      "cdc-rights",
      "pass",
      `${cdcRoleName} may do exactly what Debezium needs: SELECT on ${plural(tables.length, "captured table")} and the canary, SELECT and UPDATE on the heartbeat table, USAGE on ${plural(wantedSchemas.length, "schema")} (${wantedSchemas.join(", ")})${later}`,
      { data },
    );
    return;
  }
  const sentences = [
    ...(extra.length ? [`${cdcRoleName} may do more than Debezium needs: ${listed(extra, "; ")}`] : []),
    ...(missing.length ? [`${cdcRoleName} lacks what Debezium needs: ${listed(missing, "; ")}`] : []),
  ];
  const fixes = [
    ...(extra.length
      ? [
          `revoke what is more (REVOKE <privilege> ON <object> FROM ${quoteIdent(cdcRoleName)}, REVOKE <role> FROM ${quoteIdent(cdcRoleName)}, ALTER ROLE ${quoteIdent(cdcRoleName)} NO<attribute>), or the grant or membership it comes through: Debezium needs only SELECT on the captured tables and the canary, SELECT and UPDATE on the heartbeat table, USAGE on their schemas, and the database stack revokes nothing it did not grant`,
        ]
      : []),
    ...(missing.length ? ["apply the database stack: it grants what Debezium needs"] : []),
  ];
  add("cdc-rights", "fail", `${sentences.join(". ")}${later}`, { fix: fixes.join("; "), data });
}

/** Every privilege `roleOid` effectively holds on the database's own relations, schemas and the database. */
async function heldPrivileges(c: Client, roleOid: string, tableOwner: string, capturedSchemas: string[]) {
  const relations = (
    await c.query<Held & { kind: string; byDefault: boolean }>(
      `SELECT n.nspname || '.' || c.relname AS object, c.relkind AS kind, p.priv,
              EXISTS (SELECT FROM aclexplode(coalesce(c.relacl,
                        acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
                       WHERE a.grantee = 0 AND a.privilege_type = p.priv) AS public,
              (p.priv = 'SELECT' AND c.relkind IN ('r', 'p') AND n.nspname = ANY($5::text[])
               AND pg_get_userbyid(c.relowner) = $4
               AND EXISTS (SELECT FROM pg_default_acl d, aclexplode(d.defaclacl) a
                            WHERE d.defaclrole = c.relowner AND d.defaclnamespace = c.relnamespace
                              AND d.defaclobjtype = 'r' AND a.grantee = $1::oid AND a.privilege_type = 'SELECT'))
                AS "byDefault"
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS p (priv, ord)
        WHERE ${USER_SCHEMA}
          AND CASE
                WHEN c.relkind = 'S' THEN p.priv = ANY($3::text[]) AND has_sequence_privilege($1::oid, c.oid, p.priv)
                WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f') THEN
                  CASE WHEN p.priv = ANY($6::text[]) THEN has_any_column_privilege($1::oid, c.oid, p.priv)
                       WHEN p.priv = ANY($7::text[]) THEN has_table_privilege($1::oid, c.oid, p.priv)
                       ELSE false END
                ELSE false
              END
        ORDER BY 1, p.ord`,
      [
        roleOid,
        [...TABLE_PRIVILEGES, "USAGE"],
        SEQUENCE_PRIVILEGES,
        tableOwner,
        capturedSchemas,
        COLUMN_PRIVILEGES,
        TABLE_PRIVILEGES,
      ],
    )
  ).rows;
  const schemas = (
    await c.query<Held>(
      `SELECT n.nspname AS object, p.priv,
              EXISTS (SELECT FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                       WHERE a.grantee = 0 AND a.privilege_type = p.priv) AS public
         FROM pg_namespace n CROSS JOIN unnest(ARRAY['USAGE', 'CREATE']) WITH ORDINALITY AS p (priv, ord)
        WHERE ${USER_SCHEMA} AND has_schema_privilege($1::oid, n.oid, p.priv)
        ORDER BY 1, p.ord`,
      [roleOid],
    )
  ).rows;
  const database = (
    await c.query<Held>(
      `SELECT d.datname AS object, p.priv,
              EXISTS (SELECT FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                       WHERE a.grantee = 0 AND a.privilege_type = p.priv) AS public
         FROM pg_database d CROSS JOIN unnest(ARRAY['CREATE', 'TEMPORARY', 'CONNECT']) WITH ORDINALITY AS p (priv, ord)
        WHERE d.datname = current_database() AND has_database_privilege($1::oid, d.oid, p.priv)
        ORDER BY p.ord`,
      [roleOid],
    )
  ).rows;
  return { relations, schemas, database };
}
