import { readFileSync } from "node:fs";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Naming } from "../../src/config/naming";
import { parseConfig } from "../../src/config/parse";
import type { SourceOutputs, VerifyOutputs } from "../../src/verify/outputs";
import { resolveSources, secretsManagerReader } from "../../src/verify/targets";

// Three sources: the managed RDS instance, an Aurora cluster, and a self-managed server reached through a tunnel.
const data = parse(readFileSync("config/examples/multi-source.yaml", "utf8"));
data.sources[1].connectThrough = { host: "127.0.0.1", port: 15433 };
const config = parseConfig(data, "multi-source.yaml");
const naming = new Naming(config.project, config.environment);

const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;
const MASTER = arn("rds!db-1-AbCdEf");
const BILLING_ADMIN = arn("billing/admin-AbCdEf");
const LEGACY_ADMIN = arn("legacy/postgres-GhIjKl");
const cdcOutputs = (source: string, role: string): SourceOutputs => ({
  cdcSecretArn: arn(`shop-prod/postgres/${role}-${source}`),
  cdcSecretName: `shop-prod/postgres/${role}-${source}`,
  heartbeatTable: "cdc.debezium_heartbeat",
  publicationName: `${role.replace(/_cdc$/, "")}_publication`,
  replicationSlotName: `${role.replace(/_cdc$/, "")}_slot`,
});
const OUTPUTS: VerifyOutputs = {
  bucket: "shop-prod-lake-1",
  rds: { address: "shop-prod-postgres.c0a1.eu-west-1.rds.amazonaws.com", port: 5432 },
  masterUserSecretArn: MASTER,
  sources: {
    managed: cdcOutputs("managed", "shop_prod_cdc"),
    billing: cdcOutputs("billing", "shop_prod_billing_cdc"),
    legacy: cdcOutputs("legacy", "shop_prod_legacy_cdc"),
  },
  debeziumConnectorArns: {},
  sinkConnectorArn: "arn:sink",
  changeTopics: [],
};

/** Passwords the secrets hold: none may appear in any result. */
const PASSWORDS = {
  master: "master-Pw-0001",
  billing: "billing-Pw-0002",
  legacy: "legacy-Pw-0003",
  cdc: "cdc-Pw-0004",
};

const secrets = mockClient(SecretsManagerClient);
afterAll(() => secrets.restore());
const readSecret = secretsManagerReader(new SecretsManagerClient({ region: "eu-west-1" }));

function secret(id: string, value: Record<string, string>) {
  secrets.on(GetSecretValueCommand, { SecretId: id }).resolves({ SecretString: JSON.stringify(value) });
}

beforeEach(() => {
  secrets.reset();
  secret(MASTER, { username: "postgres", password: PASSWORDS.master });
  secret(BILLING_ADMIN, { password: PASSWORDS.billing });
  secret(LEGACY_ADMIN, { username: "postgres", password: PASSWORDS.legacy });
  for (const [name, out] of Object.entries(OUTPUTS.sources)) {
    secret(out.cdcSecretArn, { username: `${name}_role_from_secret`, password: PASSWORDS.cdc });
  }
});

const resolve = (outputs = OUTPUTS) => resolveSources(config, outputs, readSecret, { naming, ssl: true });

describe("source: credentials (the logins verify connects with)", () => {
  it("passes per source: connectThrough, else the RDS address or the endpoint; passwords from Secrets Manager", async () => {
    const resolved = await resolve();
    expect(
      resolved.map(
        (r) =>
          r.target && { name: r.target.name, admin: r.target.admin, cdc: r.target.cdc, ssl: r.target.ssl },
      ),
    ).toEqual([
      {
        name: "managed",
        admin: {
          host: "shop-prod-postgres.c0a1.eu-west-1.rds.amazonaws.com",
          port: 5432,
          database: "shop",
          user: "cdc_admin",
          password: PASSWORDS.master,
        },
        cdc: {
          host: "shop-prod-postgres.c0a1.eu-west-1.rds.amazonaws.com",
          port: 5432,
          database: "shop",
          user: "managed_role_from_secret",
          password: PASSWORDS.cdc,
        },
        ssl: true,
      },
      {
        name: "billing",
        admin: {
          host: "billing.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
          port: 5432,
          database: "billing",
          user: "billing_admin",
          password: PASSWORDS.billing,
        },
        cdc: {
          host: "billing.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
          port: 5432,
          database: "billing",
          user: "billing_role_from_secret",
          password: PASSWORDS.cdc,
        },
        ssl: true,
      },
      {
        name: "legacy",
        admin: {
          host: "127.0.0.1",
          port: 15433,
          database: "legacy",
          user: "postgres",
          password: PASSWORDS.legacy,
        },
        cdc: {
          host: "127.0.0.1",
          port: 15433,
          database: "legacy",
          user: "legacy_role_from_secret",
          password: PASSWORDS.cdc,
        },
        ssl: true,
      },
    ]);
    expect(resolved.map((r) => [r.result.verdict, r.result.detail])).toEqual([
      [
        "pass",
        "admin cdc_admin and CDC managed_role_from_secret logins read from Secrets Manager; connecting to shop-prod-postgres.c0a1.eu-west-1.rds.amazonaws.com:5432, database shop",
      ],
      [
        "pass",
        "admin billing_admin and CDC billing_role_from_secret logins read from Secrets Manager; connecting to billing.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com:5432, database billing",
      ],
      [
        "pass",
        "admin postgres and CDC legacy_role_from_secret logins read from Secrets Manager; connecting to 127.0.0.1:15433 (connectThrough), database legacy",
      ],
    ]);
    // The billing secret has no username: the configured admin is used.
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      MASTER,
      OUTPUTS.sources.managed?.cdcSecretArn,
      BILLING_ADMIN,
      OUTPUTS.sources.billing?.cdcSecretArn,
      LEGACY_ADMIN,
      OUTPUTS.sources.legacy?.cdcSecretArn,
    ]);
  });

  it("fails for a source the database stack's outputs do not have yet", async () => {
    const { legacy: _, ...sources } = OUTPUTS.sources;
    const resolved = await resolve({ ...OUTPUTS, sources });
    const legacy = resolved[2];
    expect(legacy?.target).toBeUndefined();
    expect(legacy?.result).toEqual({
      stage: "source",
      check: "credentials",
      verdict: "fail",
      source: "legacy",
      detail: `source legacy is in the config but not in the database stack's output "sources" (it has managed, billing)`,
      fix: "apply the database stack (npm run deploy -- apply prod-database)",
    });
  });

  it("fails when the CDC secret does not exist", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: OUTPUTS.sources.billing?.cdcSecretArn }).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: "ResourceNotFoundException",
      }),
    );
    const [, billing] = await resolve();
    expect(billing?.result.detail).toBe(
      `the CDC secret ${OUTPUTS.sources.billing?.cdcSecretArn} was not found`,
    );
    expect(billing?.result.fix).toBe("re-apply the database stack, which writes it");
  });

  it("fails with the IAM fix when the admin secret is refused", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: MASTER }).rejects(
      Object.assign(new Error("User is not authorized to perform: secretsmanager:GetSecretValue"), {
        name: "AccessDeniedException",
      }),
    );
    const [managed] = await resolve();
    expect(managed?.result.detail).toBe(
      `the admin secret ${MASTER} could not be read (AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue)`,
    );
    expect(managed?.result.fix).toBe(
      "grant secretsmanager:GetSecretValue on it (and kms:Decrypt on its key) to the AWS credentials verify runs with",
    );
  });

  it("fails on a secret that is no JSON login, without ever showing its content", async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: LEGACY_ADMIN })
      .resolves({ SecretString: PASSWORDS.legacy });
    const resolved = await resolve();
    expect(resolved[2]?.result.detail).toBe(
      `the admin secret ${LEGACY_ADMIN} holds no "password" string; expected JSON {"username", "password"}`,
    );
    expect(resolved[2]?.result.fix).toBe("store the login as JSON with a password field (RDS's format)");
    const shown = JSON.stringify(resolved.map((r) => r.result));
    for (const password of Object.values(PASSWORDS)) expect(shown).not.toContain(password);
  });

  it("fails on a binary secret", async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: BILLING_ADMIN })
      .resolves({ SecretBinary: new Uint8Array([1, 2]) });
    const [, billing] = await resolve();
    expect(billing?.result.detail).toBe(
      `the admin secret ${BILLING_ADMIN} holds binary data (SecretBinary); expected JSON {"username", "password"}`,
    );
  });
});
