import { DataResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { type CapturedTable, renderCaptureSql, sha256 } from "../../sql/capture-sql";
import {
  chunkScript,
  escapeTemplate,
  type PostgresConnection,
  pipeChunksToPsql,
  psqlEnvironment,
} from "./psql-step";

export { escapeTemplate, type PostgresConnection } from "./psql-step";

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
 * psql reads the SQL from the environment (no file to ship beside the stack), in chunks that each stay
 * under Linux's 128 KiB limit for one variable (E2BIG).
 */
export class CapturedTables extends Construct {
  readonly resource: DataResource;
  readonly sql: string;
  readonly sqlSha256: string;

  constructor(scope: Construct, id: string, props: CapturedTablesProps) {
    super(scope, id);
    this.sql = renderCaptureSql(props.tables, props.heartbeatSchema);
    this.sqlSha256 = sha256(this.sql);
    const chunks = chunkScript(this.sql);
    const variables = chunks.map((_, i) => `CDC_SQL_${i}`);
    this.resource = new DataResource(this, "Resource", {
      input: { sql_chunks: chunks.map(escapeTemplate), sha256: this.sqlSha256 },
      triggersReplace: { sql_sha256: this.sqlSha256, database_instance: props.databaseInstanceId },
      dependsOn: props.after,
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["/bin/sh", "-c"],
          command: pipeChunksToPsql(variables),
          environment: {
            ...Object.fromEntries(variables.map((v, i) => [v, `\${self.input.sql_chunks[${i}]}`])),
            ...psqlEnvironment(props.connection, "cdc-lake database stack"),
          },
        },
      ],
    });
  }
}
