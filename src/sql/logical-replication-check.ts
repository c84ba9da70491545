/**
 * The preflight the database stack runs first on an existing database (RDS, Aurora or self-managed
 * PostgreSQL): can it serve the pipeline's logical replication, and can the admin login set it up? It
 * fails with every problem's fix before anything is created, instead of leaving a half-applied stack and
 * a connector that fails later. The logic is in logical-replication-check.sql; this file supplies the
 * engine's wording, as quoted literals.
 *
 * Names checked against PostgreSQL 15: settings wal_level, max_replication_slots, max_wal_senders,
 * max_slot_wal_keep_size (13+), server_version(_num); views pg_replication_slots, pg_stat_replication
 * (one row per WAL sender), pg_roles; pg_has_role(user, role oid, 'MEMBER [WITH ADMIN OPTION]').
 */
import template from "./logical-replication-check.sql";
import { dollarQuoteTag, quoteLiteral } from "./quote";

export type PostgresEngine = "rds-postgresql" | "aurora-postgresql" | "postgresql";

/**
 * The oldest and newest majors the pipeline supports: SUPPORTED_POSTGRES_MAJORS of src/config/fields.ts,
 * which src/sql may not import (a leaf); test/constructs/logical-replication-check.test.ts keeps them equal.
 */
export const CHECKED_POSTGRES_MAJORS = { oldest: 13, newest: 17 } as const;

/** Where each engine's settings live, and what makes a static one take effect. */
const ENGINES: Record<PostgresEngine, { where: string; restart: string; upgrade: string }> = {
  "rds-postgresql": {
    where: "in the DB instance's parameter group",
    restart: "reboot the instance",
    upgrade: "upgrade the DB instance's engine version",
  },
  "aurora-postgresql": {
    where: "in the DB cluster parameter group",
    restart: "reboot the writer instance",
    upgrade: "upgrade the DB cluster's engine version",
  },
  postgresql: {
    where: "in postgresql.conf (or with ALTER SYSTEM)",
    restart: "restart the server",
    upgrade: "upgrade the server",
  },
};

/** Each message the check can give, completed in SQL by what it found (`got …`). */
export function logicalReplicationMessages(engine: PostgresEngine) {
  const { where, restart, upgrade } = ENGINES[engine];
  const { oldest, newest } = CHECKED_POSTGRES_MAJORS;
  return {
    header: "the database is not ready for the pipeline's logical replication (nothing was changed):",
    versionProblem: `; expected PostgreSQL ${oldest} or newer (the pipeline supports ${oldest} to ${newest}). Fix: ${upgrade}.`,
    versionWarning: `; the pipeline is tested with PostgreSQL ${oldest} to ${newest}: check Debezium's support for this version.`,
    walLevelProblem:
      engine === "postgresql"
        ? `; expected logical. Fix: set wal_level = logical ${where} and ${restart}.`
        : `; expected logical. Fix: set rds.logical_replication = 1 ${where} and ${restart} (the parameter is static).`,
    slotsProblem: `; expected one free for the pipeline's slot. Fix: drop a slot nothing reads any more (see SELECT slot_name, active FROM pg_replication_slots), or raise max_replication_slots ${where} and ${restart}.`,
    walSendersProblem: `; expected one free for the pipeline's connector (standbys and backups use them too). Fix: raise max_wal_senders ${where} and ${restart}.`,
    noRdsReplicationProblem:
      engine === "rds-postgresql"
        ? "role rds_replication: got no such role; expected RDS for PostgreSQL, where it grants logical replication. Fix: if this server is not RDS, configure it as self-managed PostgreSQL."
        : "role rds_replication: got no such role; expected Aurora PostgreSQL, where it grants logical replication. Fix: if this server is not Aurora, configure it as self-managed PostgreSQL.",
    rdsGrantProblem:
      "; expected the master user or another member of rds_superuser, which may grant rds_replication to the CDC role. Fix: connect as the master user, or GRANT rds_superuser to this login.",
    superuserProblem:
      "; expected a superuser: PostgreSQL 15 and older let only superusers create a role WITH REPLICATION (16 and newer: a role with CREATEROLE and REPLICATION too). Fix: connect as a superuser.",
    walKeepWarning: ` (no limit): a replication slot whose connector stopped keeps all WAL from then on, until the disk is full. Set max_slot_wal_keep_size ${where} to what the storage can spare.`,
  };
}

export interface LogicalReplicationCheckOptions {
  /**
   * The pipeline's replication slot: once it exists (a re-run on a running pipeline), it needs no free
   * slot, and while it is read, no free WAL sender.
   * @default - none: one free slot and one free WAL sender are required
   */
  readonly slotName?: string;
}

/** The check as one psql script: a read-only DO block that raises with every problem's fix. */
export function renderLogicalReplicationCheck(
  engine: PostgresEngine,
  options: LogicalReplicationCheckOptions = {},
): string {
  if (!(engine in ENGINES)) {
    throw new Error(
      `engine: got ${JSON.stringify(engine)}; expected one of ${Object.keys(ENGINES).join(", ")}`,
    );
  }
  const values: Record<string, string> = {
    isRds: engine === "postgresql" ? "false" : "true",
    slotName: quoteLiteral(options.slotName ?? ""),
    oldestMajor: String(CHECKED_POSTGRES_MAJORS.oldest),
    newestMajor: String(CHECKED_POSTGRES_MAJORS.newest),
    ...Object.fromEntries(
      Object.entries(logicalReplicationMessages(engine)).map(([key, text]) => [key, quoteLiteral(text)]),
    ),
  };
  const render = (text: string) =>
    text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`logical-replication-check.sql: no value for {{${key}}}`);
      return value;
    });
  // The block's dollar-quote tag is one its content (a slot name included) does not hold.
  const parts = template.split("{{tag}}");
  if (parts.length !== 3) throw new Error("logical-replication-check.sql: expected DO {{tag}} … {{tag}};");
  const [head, block, tail] = parts as [string, string, string];
  const body = render(block);
  const tag = dollarQuoteTag(body, "check");
  return `${render(head)}${tag}${body}${tag}${render(tail)}`;
}
