/**
 * What the database stack's psql steps (terraform_data with a local-exec provisioner) share: the
 * connection's environment, Terraform's template escaping and psql's flags. A long script reaches psql
 * as a file (psql-script.ts), never through the environment (E2BIG).
 */

export interface PostgresConnection {
  readonly host: string;
  readonly port: number | string;
  readonly database: string;
  readonly username: string;
  /** An ephemeral value: provisioners may read it, state never holds it. */
  readonly password: string;
}

export { escapeTemplate } from "../terraform/escape-template";

/** libpq's environment for `c`, over TLS, with a name the server's pg_stat_activity shows. */
export function psqlEnvironment(c: PostgresConnection, applicationName: string): Record<string, string> {
  return {
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGDATABASE: c.database,
    PGUSER: c.username,
    PGPASSWORD: c.password,
    PGSSLMODE: "require",
    PGCONNECT_TIMEOUT: "15",
    PGAPPNAME: applicationName,
  };
}

/** psql without the operator's ~/.psqlrc, stopping at the first error. */
export const PSQL = "psql --no-psqlrc --quiet --set ON_ERROR_STOP=1";
