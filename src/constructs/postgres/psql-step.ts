/**
 * What the database stack's psql steps (terraform_data with a local-exec provisioner) share: the
 * connection's environment, Terraform's template escaping, and how a long script reaches psql.
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

/**
 * Linux refuses one environment variable (or argument) over 128 KiB (E2BIG), and the script reaches
 * psql through the environment: it is cut into chunks of at most this many UTF-8 bytes, one variable
 * each, and printed back to back. Terraform's escaping (`$${`) can make a chunk's JSON longer, never
 * the value the process receives.
 */
export const SCRIPT_CHUNK_BYTES = 64 * 1024;
/** All chunks together stay well under Linux's ~2 MiB for arguments and environment. */
export const SCRIPT_MAX_BYTES = 1024 * 1024;

/** `text` cut into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function chunkScript(text: string, maxBytes = SCRIPT_CHUNK_BYTES): string[] {
  const total = Buffer.byteLength(text, "utf8");
  if (total > SCRIPT_MAX_BYTES) {
    throw new Error(
      `the generated SQL is ${total} bytes; expected at most ${SCRIPT_MAX_BYTES} (capture fewer tables per pipeline)`,
    );
  }
  const chunks: string[] = [];
  let current = "";
  let bytes = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character, "utf8");
    if (bytes + size > maxBytes) {
      chunks.push(current);
      current = "";
      bytes = 0;
    }
    current += character;
    bytes += size;
  }
  if (current || chunks.length === 0) chunks.push(current);
  return chunks;
}

/** `printf "%s" "$CDC_SQL_0" "$CDC_SQL_1" | psql ...`: the chunks, in order, on psql's standard input. */
export function pipeChunksToPsql(variables: readonly string[]): string {
  return `printf "%s" ${variables.map((v) => `"$${v}"`).join(" ")} | ${PSQL}`;
}
