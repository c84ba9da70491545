import type { DataResource, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { type CapturedTable, renderCaptureSql } from "../../sql/capture-sql";
import { PsqlScript } from "./psql-script";
import type { PostgresConnection } from "./psql-step";

export { escapeTemplate, type PostgresConnection } from "./psql-step";

/** What pg_stat_activity shows for the steps' psql sessions. */
export const DATABASE_STACK_APPLICATION_NAME = "cdc-lake database stack";

export interface CapturedTablesProps {
  readonly tables: readonly CapturedTable[];
  /** Schema of Debezium's heartbeat table, created by the same SQL. */
  readonly heartbeatSchema: string;
  readonly connection: PostgresConnection;
  /**
   * Identity of the database instance (RDS resource id): a new or restored instance has none of the
   * tables' settings, so the SQL runs again there.
   */
  readonly databaseInstanceId: string;
  /** What must exist first (the master's membership in the tables' owner role). */
  readonly after?: ITerraformDependable[];
}

/**
 * The captured tables: created when the pipeline owns them, required when the application does, and set
 * to their REPLICA IDENTITY. The PostgreSQL provider has no table resource, so this is SQL, applied with
 * psql from a `terraform_data` that is replaced (and so re-run) whenever the SQL's hash changes.
 * The SQL is idempotent, and destroying this resource does nothing: the data belongs to the database.
 *
 * psql reads the SQL from `sql/capture-tables-<hash>.sql` beside the stack (see PsqlScript): hundreds of
 * tables make a script larger than Linux lets one environment variable be.
 */
export class CapturedTables extends Construct {
  readonly resource: DataResource;
  readonly sql: string;
  readonly sqlSha256: string;
  readonly script: PsqlScript;

  constructor(scope: Construct, id: string, props: CapturedTablesProps) {
    super(scope, id);
    // Id "Resource": with the script's own "Default", the address stays terraform_data.CapturedTables_<hash>.
    this.script = new PsqlScript(this, "Resource", {
      name: "capture-tables",
      sql: renderCaptureSql(props.tables, props.heartbeatSchema),
      connection: props.connection,
      applicationName: DATABASE_STACK_APPLICATION_NAME,
      triggersReplace: { database_instance: props.databaseInstanceId },
      dependsOn: props.after,
    });
    this.resource = this.script.resource;
    this.sql = this.script.sql;
    this.sqlSha256 = this.script.sha256;
  }
}
