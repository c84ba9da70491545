import { DataResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { type CapturedTable, renderCaptureSql, sha256 } from "../../sql/capture-sql";

export interface PostgresConnection {
  readonly host: string;
  readonly port: number | string;
  readonly database: string;
  readonly username: string;
  /** An ephemeral value: provisioners may read it, state never holds it. */
  readonly password: string;
}

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

/** Terraform treats `${` and `%{` in strings as templates; SQL must reach psql as written. */
export function escapeTemplate(text: string): string {
  // Function replacers: in a replacement string, "$$" would itself collapse to "$".
  return text.replaceAll("${", () => "$${").replaceAll("%{", () => "%%{");
}

/** psql reads the SQL from the environment: no file to ship beside the stack, nothing to quote. */
export const APPLY_SQL_COMMAND = 'printf "%s" "$CDC_SQL" | psql --no-psqlrc --quiet --set ON_ERROR_STOP=1';

/**
 * The captured tables: created when the pipeline owns them, required when the application does, and set
 * to their REPLICA IDENTITY. The PostgreSQL provider has no table resource, so this is SQL, applied with
 * psql from a `terraform_data` that is replaced (and so re-run) whenever the SQL's hash changes.
 * The SQL is idempotent, and destroying this resource does nothing: the data belongs to the database.
 */
export class CapturedTables extends Construct {
  readonly resource: DataResource;
  readonly sql: string;
  readonly sqlSha256: string;

  constructor(scope: Construct, id: string, props: CapturedTablesProps) {
    super(scope, id);
    this.sql = renderCaptureSql(props.tables, props.heartbeatSchema);
    this.sqlSha256 = sha256(this.sql);
    const c = props.connection;
    this.resource = new DataResource(this, "Resource", {
      input: { sql: escapeTemplate(this.sql), sha256: this.sqlSha256 },
      triggersReplace: { sql_sha256: this.sqlSha256, database_instance: props.databaseInstanceId },
      dependsOn: props.after,
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["/bin/sh", "-c"],
          command: APPLY_SQL_COMMAND,
          environment: {
            CDC_SQL: "${self.input.sql}",
            PGHOST: c.host,
            PGPORT: String(c.port),
            PGDATABASE: c.database,
            PGUSER: c.username,
            PGPASSWORD: c.password,
            PGSSLMODE: "require",
            PGCONNECT_TIMEOUT: "15",
            PGAPPNAME: "cdc-lake database stack",
          },
        },
      ],
    });
  }
}
