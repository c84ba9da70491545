/**
 * Each source as verify reaches it (SourceTarget): the host and port the database stack connects to
 * (`connectThrough` when set, else the RDS address or the existing endpoint), the admin login with its password
 * from Secrets Manager (the RDS master secret, or the source's `adminSecretArn`), and the CDC login from the
 * secret the database stack wrote (`{"username", "password"}`). A source whose logins cannot be read gets a
 * failing `credentials` result instead, and its source and end-to-end checks are skipped. No message ever
 * holds a secret's content: not even JSON.parse's error, which quotes the text it failed on.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Naming } from "../config/naming";
import type { PipelineConfig, SourceConfig } from "../config/pipeline-config";
import { awsErrorName, awsErrorText, isAccessDenied } from "./aws-error";
import { type CheckResult, result } from "./check";
import { sourceKey, type VerifyOutputs } from "./outputs";
import type { PgLogin, SourceTarget } from "./source-target";

/** A secret's SecretString, by ARN or name. */
export type SecretReader = (secretId: string) => Promise<string>;

export function secretsManagerReader(client: SecretsManagerClient): SecretReader {
  return async (secretId) => {
    const value = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (value.SecretString === undefined) throw new SecretShapeError("holds binary data (SecretBinary)");
    return value.SecretString;
  };
}

/** One source: its target when its logins were read, and the `credentials` result either way. */
export interface ResolvedSource {
  readonly name: string;
  readonly config: SourceConfig;
  readonly target?: SourceTarget | undefined;
  readonly result: CheckResult;
}

class SecretShapeError extends Error {}

/** Not a check failure: the message a failed read of one secret ends in, with its fix. */
class CredentialsProblem extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export async function resolveSources(
  config: PipelineConfig,
  outputs: VerifyOutputs,
  readSecret: SecretReader,
  options: { naming: Naming; ssl: boolean },
): Promise<ResolvedSource[]> {
  const resolved: ResolvedSource[] = [];
  for (const source of config.sources) {
    const name = sourceKey(source.name);
    const fail = (detail: string, fix: string): ResolvedSource => ({
      name,
      config: source,
      result: result("source", "credentials", "fail", detail, { source: name, fix }),
    });
    const out = outputs.sources[name];
    if (!out) {
      const known = Object.keys(outputs.sources);
      resolved.push(
        fail(
          `source ${name} is in the config but not in the database stack's output "sources" (it has ${known.length ? known.join(", ") : "none"})`,
          `apply the database stack (npm run deploy -- apply ${options.naming.stack("database")})`,
        ),
      );
      continue;
    }
    const where = endpointOf(source, outputs);
    const adminSecret =
      source.server.kind === "managed" ? (outputs.masterUserSecretArn ?? "") : source.server.adminSecretArn;
    try {
      const admin = await readLogin(readSecret, adminSecret, "admin", source.adminUsername);
      const cdc = await readLogin(readSecret, out.cdcSecretArn, "CDC", source.capture.cdcRoleName);
      const login = (user: string, password: string): PgLogin => ({
        host: where.host,
        port: where.port,
        database: source.databaseName,
        user,
        password,
      });
      const target: SourceTarget = {
        name,
        config: source,
        admin: login(source.adminUsername, admin.password),
        cdc: login(cdc.username, cdc.password),
        ssl: options.ssl,
      };
      resolved.push({
        name,
        config: source,
        target,
        result: result(
          "source",
          "credentials",
          "pass",
          `admin ${source.adminUsername} and CDC ${cdc.username} logins read from Secrets Manager; connecting to ` +
            `${where.host}:${where.port}${where.through ? " (connectThrough)" : ""}, database ${source.databaseName}`,
          { source: name, data: { host: where.host, port: where.port, connectThrough: where.through } },
        ),
      });
    } catch (error) {
      if (!(error instanceof CredentialsProblem)) throw error;
      resolved.push(fail(error.message, error.fix));
    }
  }
  return resolved;
}

/** Where the database stack connects: the tunnel's local end, else the server itself. */
function endpointOf(
  source: SourceConfig,
  outputs: VerifyOutputs,
): { host: string; port: number; through: boolean } {
  if (source.connectThrough) return { ...source.connectThrough, through: true };
  if (source.server.kind === "existing") {
    return { host: source.server.endpoint, port: source.server.port, through: false };
  }
  // verifyOutputsOf requires `rds` whenever the config has a managed source.
  const rds = outputs.rds as NonNullable<VerifyOutputs["rds"]>;
  return { host: rds.address, port: rds.port, through: false };
}

async function readLogin(
  readSecret: SecretReader,
  secretId: string,
  role: "admin" | "CDC",
  defaultUser: string,
): Promise<{ username: string; password: string }> {
  let text: string;
  try {
    text = await readSecret(secretId);
  } catch (error) {
    if (error instanceof SecretShapeError) {
      throw new CredentialsProblem(
        `the ${role} secret ${secretId} ${error.message}; expected JSON {"username", "password"}`,
        "store the login as a JSON string (RDS's format)",
      );
    }
    const name = awsErrorName(error);
    if (name === "ResourceNotFoundException") {
      throw new CredentialsProblem(
        `the ${role} secret ${secretId} was not found`,
        role === "CDC"
          ? "re-apply the database stack, which writes it"
          : "check the secret's ARN (database: the platform stack's rds_master_user_secret_arn; sources[].adminSecretArn)",
      );
    }
    throw new CredentialsProblem(
      `the ${role} secret ${secretId} could not be read (${awsErrorText(error)})`,
      isAccessDenied(error)
        ? "grant secretsmanager:GetSecretValue on it (and kms:Decrypt on its key) to the AWS credentials verify runs with"
        : "check the AWS credentials and region verify runs with (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER)",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: it must not reach the output.
    value = undefined;
  }
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  if (typeof record.password !== "string" || record.password === "") {
    throw new CredentialsProblem(
      `the ${role} secret ${secretId} holds no "password" string; expected JSON {"username", "password"}`,
      "store the login as JSON with a password field (RDS's format)",
    );
  }
  const username =
    typeof record.username === "string" && record.username !== "" ? record.username : defaultUser;
  return { username, password: record.password };
}
