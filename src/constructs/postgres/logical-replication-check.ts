import type { DataResource, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { type PostgresEngine, renderLogicalReplicationCheck } from "../../sql/logical-replication-check";
import { PsqlScript } from "./psql-script";
import type { PostgresConnection } from "./psql-step";

export type { PostgresEngine } from "../../sql/logical-replication-check";

export interface LogicalReplicationCheckProps {
  /** Where the database runs: names the fix (parameter group, cluster parameter group, postgresql.conf). */
  readonly engine: PostgresEngine;
  /** The admin login: the one that will create the CDC role and grant it replication. */
  readonly connection: PostgresConnection;
  /** What re-runs the check when it changes (e.g. the database instance's id); the SQL's hash is added. */
  readonly triggersReplace: Record<string, string>;
  /**
   * The pipeline's replication slot: once it exists, the check needs no free slot for it.
   * @default - one free slot is required
   */
  readonly slotName?: string;
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Checks an existing database before the database stack creates anything in it: wal_level = logical, a
 * free replication slot and WAL sender, a supported major version, and an admin login able to give the
 * CDC role replication (see src/sql/logical-replication-check.sql). Read-only; on a problem the apply
 * stops with the fix. Everything that creates roles, tables or publications should depend on `resource`.
 */
export class LogicalReplicationCheck extends Construct {
  readonly resource: DataResource;
  readonly script: PsqlScript;

  constructor(scope: Construct, id: string, props: LogicalReplicationCheckProps) {
    super(scope, id);
    this.script = new PsqlScript(this, "Resource", {
      name: "logical-replication-check",
      sql: renderLogicalReplicationCheck(props.engine, { slotName: props.slotName }),
      connection: props.connection,
      applicationName: "cdc-lake logical replication check",
      triggersReplace: props.triggersReplace,
      dependsOn: props.dependsOn,
    });
    this.resource = this.script.resource;
  }
}
