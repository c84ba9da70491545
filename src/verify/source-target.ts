import type { SourceConfig } from "../config/pipeline-config";

/** A PostgreSQL login, as verify connects with it (over TLS, as the database stack does). */
export interface PgLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/**
 * One source as verify reaches it: where (the tunnel of connectThrough when configured, else the RDS
 * address or the existing endpoint), as the admin login the database stack uses, and as the CDC role
 * Debezium uses, with the names the config resolved.
 */
export interface SourceTarget {
  /** `managed` for the RDS instance the pipeline creates, else sources[].name. */
  readonly name: string;
  readonly config: SourceConfig;
  readonly admin: PgLogin;
  readonly cdc: PgLogin;
  /** Require TLS (`sslmode=require`, as the database stack); tests against a local server turn it off. */
  readonly ssl: boolean;
}
