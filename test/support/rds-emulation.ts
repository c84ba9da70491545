/**
 * Makes a vanilla PostgreSQL look like RDS PostgreSQL to the database stack, as far as it can:
 * - `rds_replication` and `rds_superuser` roles exist; the master user is not a superuser but has
 *   CREATEROLE and CREATEDB, is a member of rds_superuser, and owns the pipeline's database (as on RDS).
 * - Differences, by necessity: on RDS, membership of rds_replication grants replication; vanilla
 *   PostgreSQL only honours the REPLICATION attribute of the role itself, so `grantReplicationLikeRds`
 *   sets that attribute, as the superuser, on members of rds_replication. The server has no TLS, so
 *   clients use sslmode=disable where the stack says require. wal_level=logical is set directly rather
 *   than through rds.logical_replication.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { type Change, decodeChanges } from "./pgoutput";
import type { ConnectionParams, ThrowawayPostgres } from "./postgres";
import { withClient } from "./postgres";
import {
  defaultPrivilegeStatements,
  grantRoleStatements,
  grantStatements,
  providerDrift,
  publicationStatements,
  roleStatements,
  slotStatements,
} from "./provider-emulation";
import type { TerraformJson } from "./synth";

export const randomPassword = () => randomBytes(18).toString("base64url");

/** Creates the RDS-like roles and the database; returns the master user's connection. */
export async function emulateRds(
  server: ThrowawayPostgres,
  masterUsername: string,
  databaseName: string,
): Promise<ConnectionParams> {
  const password = randomPassword();
  await withClient(server, server.superuserParams(), async (c) => {
    for (const sql of [
      "DO $$ BEGIN CREATE ROLE rds_replication NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
      "DO $$ BEGIN CREATE ROLE rds_superuser NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
      `CREATE ROLE "${masterUsername}" LOGIN PASSWORD '${password}' CREATEROLE CREATEDB NOSUPERUSER`,
      `GRANT rds_superuser TO "${masterUsername}"`,
      `GRANT rds_replication TO "${masterUsername}" WITH ADMIN OPTION`,
      `CREATE DATABASE "${databaseName}" OWNER "${masterUsername}"`,
    ]) {
      await c.query(sql);
    }
  });
  await grantReplicationLikeRds(server);
  return server.params(masterUsername, password, databaseName);
}

/** What RDS does for members of rds_replication, done the only way vanilla PostgreSQL allows. */
export async function grantReplicationLikeRds(server: ThrowawayPostgres): Promise<void> {
  await withClient(server, server.superuserParams(), async (c) => {
    const members = await c.query<{ rolname: string }>(
      `SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid
        WHERE m.roleid = 'rds_replication'::regrole AND NOT r.rolreplication`,
    );
    for (const { rolname } of members.rows) await c.query(`ALTER ROLE "${rolname}" REPLICATION`);
  });
}

/**
 * Undoes grantReplicationLikeRds, for steps that, as the master, alter a member of rds_replication (the
 * password step on a re-run): RDS's members have no REPLICATION attribute, and vanilla PostgreSQL 15 lets
 * only a superuser alter a role that has it. Call grantReplicationLikeRds again afterwards.
 */
export async function revokeReplicationLikeRds(server: ThrowawayPostgres): Promise<void> {
  await withClient(server, server.superuserParams(), async (c) => {
    const members = await c.query<{ rolname: string }>(
      `SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid
        WHERE m.roleid = 'rds_replication'::regrole AND r.rolreplication AND NOT r.rolsuper`,
    );
    for (const { rolname } of members.rows) await c.query(`ALTER ROLE "${rolname}" NOREPLICATION`);
  });
}

/** RDS for PostgreSQL's logging defaults (default parameter group), as postgresql.conf lines. */
export const RDS_DEFAULT_LOGGING = [
  "log_statement = 'none'",
  "log_min_error_statement = 'error'",
  "log_min_duration_statement = -1",
  "log_min_messages = 'warning'",
];

/** A terraform_data local-exec step of the stack, as Terraform would run it. */
export interface LocalExecStep {
  readonly command: string;
  readonly interpreter: string[];
  readonly environment: Record<string, string>;
}

/** A PsqlScript's step (src/constructs/postgres/psql-script.ts): psql reading the stack's SQL file. */
export interface PsqlScriptStep extends LocalExecStep {
  /** The file's name in the stack folder's sql/, as `CDC_SQL_FILE` names it. */
  readonly fileName: string;
  /** The SQL psql reads: the synthesized file's content (or a test's replacement). */
  readonly sql: string;
  /** The sha256 the step's precondition expects of the file. */
  readonly sha256: string;
}

/** The captured tables' step. */
export type CaptureSqlStep = PsqlScriptStep;

/** Terraform un-escapes its template markers before the provisioner sees the value. */
const unescapeTemplate = (text: string) => text.replaceAll("$${", () => "${").replaceAll("%%{", () => "%{");

function localExec(step: TerraformJson): LocalExecStep {
  const exec = step.provisioner[0]["local-exec"];
  return { command: exec.command, interpreter: exec.interpreter, environment: exec.environment };
}

/** The terraform_data of the stack at construct path `path`. */
function dataResourceAt(stack: TerraformJson, path: string): TerraformJson {
  const found = Object.values<TerraformJson>(stack.resource.terraform_data ?? {}).filter(
    (r) => r["//"]?.metadata?.path === path,
  );
  if (found.length !== 1) throw new Error(`expected one terraform_data at ${path}, found ${found.length}`);
  return found[0] as TerraformJson;
}

const SQL_FILE = /^\$\{path\.module\}\/sql\/([a-z0-9-]+-[0-9a-f]{16}\.sql)$/;

/**
 * The synthesized SQL file `fileName` whose content has `sha256`: in `stackDir` when given, else in any
 * folder `synthesize()` (test/support/synth.ts) made, as callers holding only a stack's JSON need. Files
 * are named by their content's hash and the content is checked, so any copy found is the right one.
 */
function readSqlFile(fileName: string, sha256: string, stackDir?: string): string {
  const candidates = stackDir
    ? [join(stackDir, "sql", fileName)]
    : readdirSync(tmpdir())
        .filter((d) => d.startsWith("cdc-lake-synth-"))
        .flatMap((d) => {
          try {
            return readdirSync(join(tmpdir(), d, "stacks")).map((s) =>
              join(tmpdir(), d, "stacks", s, "sql", fileName),
            );
          } catch {
            return [];
          }
        });
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue; // not in this folder, or removed meanwhile by another test's cleanup
    }
    if (createHash("sha256").update(text, "utf8").digest("hex") === sha256) return text;
  }
  throw new Error(
    `no synthesized sql/${fileName} with sha256 ${sha256} ${stackDir ? `in ${stackDir}` : "in any synthesize() folder"}: read the step before cleanup()`,
  );
}

/**
 * The stack's step that runs the PsqlScript named `name` (its file `sql/<name>-<hash>.sql`), with the
 * SQL read from the synthesized file: from `stackDir`, or found by its hash (see readSqlFile).
 */
export function psqlScriptStep(stack: TerraformJson, name: string, stackDir?: string): PsqlScriptStep {
  const steps = Object.values<TerraformJson>(stack.resource?.terraform_data ?? {}).flatMap((r) => {
    const file = SQL_FILE.exec(r.provisioner?.[0]?.["local-exec"]?.environment?.CDC_SQL_FILE ?? "")?.[1];
    return file?.startsWith(`${name}-`) && /^[0-9a-f]{16}\.sql$/.test(file.slice(name.length + 1))
      ? [{ resource: r, fileName: file }]
      : [];
  });
  if (steps.length !== 1)
    throw new Error(`expected one terraform_data running sql/${name}-*.sql, found ${steps.length}`);
  const { resource, fileName } = steps[0] as { resource: TerraformJson; fileName: string };
  const sha256 = resource.triggers_replace?.sql_sha256 as string;
  return { ...localExec(resource), fileName, sha256, sql: readSqlFile(fileName, sha256, stackDir) };
}

/** The terraform_data step of the stack that applies the captured-tables SQL, as Terraform would see it. */
export function captureSqlStep(stack: TerraformJson, stackDir?: string): CaptureSqlStep {
  return psqlScriptStep(stack, "capture-tables", stackDir);
}

/** The step that sets the CDC role's password (its SCRAM verifier), as Terraform would see it. */
export function cdcPasswordStep(stack: TerraformJson): LocalExecStep {
  const path = Object.values<TerraformJson>(stack.resource.terraform_data ?? {})
    .map((r) => r["//"]?.metadata?.path as string)
    .find((p) => p?.endsWith("/CdcRole/Password"));
  if (!path) throw new Error("no CdcRole/Password step");
  const step = localExec(dataResourceAt(stack, path));
  return {
    ...step,
    environment: { ...step.environment, CDC_SCRAM_JS: unescapeTemplate(step.environment.CDC_SCRAM_JS ?? "") },
  };
}

/**
 * What Terraform resolves in a step's environment: the connection, and `${path.module}` (the folder
 * holding the step's SQL file, see withSqlFile).
 */
function resolvedEnvironment(
  step: LocalExecStep,
  params: ConnectionParams,
  values: Record<string, string>,
  moduleDir?: string,
): Record<string, string> {
  const environment = Object.fromEntries(
    Object.entries(step.environment).map(([key, value]) => {
      if (value.startsWith("${path.module}/")) {
        if (moduleDir === undefined) throw new Error(`${key}: no folder for \${path.module}`);
        return [key, join(moduleDir, value.slice("${path.module}/".length))];
      }
      return [key, value];
    }),
  );
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...environment,
    ...values,
    PGHOST: params.host,
    PGPORT: String(params.port),
    PGDATABASE: params.database,
    PGUSER: params.user,
    PGPASSWORD: params.password,
    PGSSLMODE: "disable",
  };
}

/**
 * A stand-in for the stack's folder holding `step.sql` as `sql/<fileName>`, removed after `run`: what
 * `${path.module}` is when Terraform runs the step (the test may have changed `sql`).
 */
function withSqlFile<T>(step: PsqlScriptStep, run: (moduleDir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "cdc-lake-step-"));
  mkdirSync(join(dir, "sql"));
  writeFileSync(join(dir, "sql", step.fileName), step.sql, "utf8");
  const result = run(dir);
  if (result instanceof Promise) {
    return result.finally(() => rmSync(dir, { recursive: true, force: true })) as T;
  }
  rmSync(dir, { recursive: true, force: true });
  return result;
}

export interface StepRun {
  readonly code: number;
  readonly output: string;
}

/** Runs a step's own command (interpreter, command line) with `values` for what Terraform would resolve. */
function runStep(
  step: LocalExecStep,
  params: ConnectionParams,
  values: Record<string, string>,
  moduleDir?: string,
): StepRun {
  const [interpreter, ...flags] = step.interpreter;
  const env = resolvedEnvironment(step, params, values, moduleDir);
  const result = spawnSync(interpreter as string, [...flags, step.command], { env, encoding: "utf8" });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** `runStep`, without blocking the test's event loop (for steps that wait on other sessions). */
function runStepAsync(
  step: LocalExecStep,
  params: ConnectionParams,
  values: Record<string, string>,
  moduleDir: string | undefined,
  onOutput?: (text: string) => void,
): Promise<StepRun> {
  const [interpreter, ...flags] = step.interpreter;
  const env = resolvedEnvironment(step, params, values, moduleDir);
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter as string, [...flags, step.command], { env });
    let output = "";
    const collect = (data: Buffer) => {
      output += data.toString("utf8");
      onOutput?.(output);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

/**
 * Runs the stack's own command (interpreter, command line, psql -f) on the stack's own SQL file, against
 * the test server: only the connection values and the stack's folder, which Terraform would resolve, are
 * the test's.
 */
export function runPsqlScript(step: PsqlScriptStep, params: ConnectionParams): StepRun {
  return withSqlFile(step, (dir) => runStep(step, params, {}, dir));
}

/** `runPsqlScript` in the background; `onOutput` sees the output so far whenever it grows. */
export function runPsqlScriptAsync(
  step: PsqlScriptStep,
  params: ConnectionParams,
  onOutput?: (text: string) => void,
): Promise<StepRun> {
  return withSqlFile(step, (dir) => runStepAsync(step, params, {}, dir, onOutput));
}

/** The captured tables' step, run as runPsqlScript does. */
export const runCaptureSql = runPsqlScript;
export const runCaptureSqlAsync = runPsqlScriptAsync;

/** Runs the stack's password step with `password` as the secret's value (what Terraform would resolve). */
export function runCdcPasswordStep(step: LocalExecStep, params: ConnectionParams, password: string): StepRun {
  return runStep(step, params, { CDC_PASSWORD: password });
}

/** What the stack does before the tables' SQL: the master's membership in the tables' owner role. */
export async function applyOwnerMembership(client: Client, stack: TerraformJson): Promise<void> {
  for (const sql of grantRoleStatements(stack)) await client.query(sql);
}

/** The statements the provider runs for the stack's other postgresql_* resources, in Terraform's order. */
export async function applyProviderResources(
  client: Client,
  stack: TerraformJson,
  passwords: Record<string, string>,
): Promise<void> {
  const ordered = [
    ...roleStatements(stack, passwords),
    ...grantStatements(stack),
    ...defaultPrivilegeStatements(stack),
    ...publicationStatements(stack),
    ...slotStatements(stack),
  ];
  for (const sql of ordered) await client.query(sql);
}

/**
 * Applies the stack's provider resources as the master (after its SQL ran), sets the CDC role's password
 * with the stack's own password step, grants replication the way RDS would, and returns the CDC role's
 * connection.
 */
export async function applyDatabaseStack(
  server: ThrowawayPostgres,
  master: ConnectionParams,
  stack: TerraformJson,
  cdcRoleName: string,
): Promise<ConnectionParams> {
  const password = randomPassword();
  await withClient(server, master, (c) => applyProviderResources(c, stack, {}));
  const run = runCdcPasswordStep(cdcPasswordStep(stack), master, password);
  if (run.code !== 0) throw new Error(`CDC password step failed:\n${run.output}`);
  await grantReplicationLikeRds(server);
  return server.params(cdcRoleName, password, master.database);
}

/**
 * A second apply of the stack's provider resources and password step, after applyDatabaseStack: the
 * resources are in state, so the provider only reads them (`drift`: what a plan would change, [] when
 * nothing), and the statements an update of a membership, grant or default privilege would run are run
 * again; the password step re-runs with the secret's same value (`cdc.password`), as for a re-created
 * instance. The emulated REPLICATION attribute is off meanwhile, as on RDS (see revokeReplicationLikeRds).
 */
export async function reapplyDatabaseStack(
  server: ThrowawayPostgres,
  master: ConnectionParams,
  stack: TerraformJson,
  cdc: ConnectionParams,
): Promise<{ drift: string[]; password: StepRun }> {
  await revokeReplicationLikeRds(server);
  try {
    const drift = await withClient(server, master, async (c) => {
      const found = await providerDrift(c, stack);
      const updates = [
        ...grantRoleStatements(stack),
        ...grantStatements(stack),
        ...defaultPrivilegeStatements(stack),
      ];
      for (const sql of updates) await c.query(sql);
      return found;
    });
    return { drift, password: runCdcPasswordStep(cdcPasswordStep(stack), master, cdc.password) };
  } finally {
    await grantReplicationLikeRds(server);
  }
}

/**
 * What Debezium would receive: creates a pgoutput slot as `reader`, runs `act`, decodes the changes the
 * slot holds for `publication`, and drops the slot.
 */
export async function changesDuring(
  server: ThrowawayPostgres,
  reader: ConnectionParams,
  publication: string,
  act: () => Promise<unknown>,
): Promise<Change[]> {
  const slot = `test_${randomBytes(4).toString("hex")}`;
  await withClient(server, reader, (c) =>
    c.query("SELECT FROM pg_create_logical_replication_slot($1, 'pgoutput')", [slot]),
  );
  try {
    await act();
    const raw = await withClient(server, reader, (c) =>
      c.query(
        "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
        [slot, publication],
      ),
    );
    return decodeChanges(raw.rows.map((r) => r.data));
  } finally {
    await withClient(server, reader, (c) => c.query("SELECT pg_drop_replication_slot($1)", [slot]));
  }
}

/**
 * TLS for a throwaway server, as RDS has it (rds.force_ssl): a self-signed certificate, which
 * `sslmode=require` accepts without checking, so a step's own `PGSSLMODE=require` works unchanged.
 * Pass `settings` to ThrowawayPostgres.start; `cleanup` removes the files once the server stopped.
 */
export function tlsLikeRds(): { settings: string[]; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "cdc-lake-tls-"));
  const cert = join(dir, "server.crt");
  const key = join(dir, "server.key");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"].concat([
      "-keyout",
      key,
      "-out",
      cert,
    ]),
    { stdio: "ignore" },
  );
  chmodSync(key, 0o600);
  if (userInfo().uid === 0) {
    // The server runs as `postgres` (see postgres.ts) and must own its key.
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    for (const path of [dir, cert, key]) chownSync(path, uid, gid);
  }
  return {
    settings: ["ssl = on", `ssl_cert_file = '${cert}'`, `ssl_key_file = '${key}'`],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The replication command Debezium 2.3.7 sends when `slot.name` names no slot
 * (PostgresReplicationConnection.createReplicationSlot: `CREATE_REPLICATION_SLOT "%s" %s LOGICAL %s`
 * with no TEMPORARY part), on a replication connection as `reader`. Returns the server's answer.
 */
export async function createSlotAsDebezium(
  reader: ConnectionParams,
  slot: string,
): Promise<{ slot_name: string; consistent_point: string; snapshot_name: string; output_plugin: string }> {
  const client = new Client({ ...reader, replication: "database" } as ConstructorParameters<
    typeof Client
  >[0]);
  await client.connect();
  try {
    const result = await client.query(`CREATE_REPLICATION_SLOT "${slot}"  LOGICAL pgoutput`);
    return result.rows[0];
  } finally {
    await client.end();
  }
}

/** A destroy-time local-exec step (`when = "destroy"`) of a terraform_data, as Terraform would see it. */
export interface DestroyStep extends LocalExecStep {
  /** The resource's `input`: what `${self.input.<key>}` resolves to. */
  readonly input: Record<string, unknown>;
}

/** The one terraform_data of `json` with a destroy-time local-exec provisioner. */
export function destroyStep(json: TerraformJson): DestroyStep {
  const found = Object.values<TerraformJson>(json.resource?.terraform_data ?? {}).filter((r) =>
    (r.provisioner ?? []).some((p: TerraformJson) => p["local-exec"]?.when === "destroy"),
  );
  if (found.length !== 1) throw new Error(`expected one destroy-time step, found ${found.length}`);
  const resource = found[0] as TerraformJson;
  const exec = resource.provisioner.find((p: TerraformJson) => p["local-exec"]?.when === "destroy")[
    "local-exec"
  ];
  return {
    command: exec.command,
    interpreter: exec.interpreter,
    environment: exec.environment,
    input: resource.input,
  };
}

/**
 * Runs a destroy step as Terraform would: the interpreter and command, un-escaped; its environment with
 * `${self.input.<key>}` resolved from the step's own input and template escapes undone; PATH with
 * `binDirs` first (a stand-in `aws`); nothing else of the test's environment.
 */
export function runDestroyStep(
  step: DestroyStep,
  binDirs: readonly string[],
  onOutput?: (text: string) => void,
): Promise<StepRun> {
  const environment = Object.fromEntries(
    Object.entries(step.environment).map(([key, value]) => {
      const ref = /^\$\{self\.input\.([a-z_]+)\}$/.exec(value);
      if (ref) {
        const resolved = step.input[ref[1] as string];
        if (resolved === undefined) throw new Error(`${key}: no input ${ref[1]}`);
        return [key, String(resolved)];
      }
      if (/(^|[^$])\$\{/.test(value))
        throw new Error(`${key}: a destroy step can resolve only self: ${value}`);
      return [key, unescapeTemplate(value)];
    }),
  );
  const [interpreter, ...flags] = step.interpreter;
  const env = { ...environment, PATH: [...binDirs, process.env.PATH ?? "/usr/bin:/bin"].join(":") };
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter as string, [...flags, unescapeTemplate(step.command)], { env });
    let output = "";
    const collect = (data: Buffer) => {
      output += data.toString("utf8");
      onOutput?.(output);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}
