import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { byPath, problemsOf, synthesize, type TerraformJson } from "../support/synth";

const MULTI_SOURCE = "config/examples/multi-source.yaml";

/** `type.name` of every resource and ephemeral resource of a stack, sorted: its Terraform addresses. */
function addresses(stack: TerraformJson): string[] {
  const out: string[] = [];
  for (const [type, resources] of Object.entries<Record<string, unknown>>(stack.resource ?? {})) {
    for (const name of Object.keys(resources)) out.push(`${type}.${name}`);
  }
  for (const [type, resources] of Object.entries<Record<string, unknown>>(stack.ephemeral ?? {})) {
    for (const name of Object.keys(resources)) out.push(`ephemeral.${type}.${name}`);
  }
  return out.sort();
}

/** The policy document (data source) a role policy of the connectors stack renders, by construct path. */
function policyDocument(stack: TerraformJson, rolePath: string): TerraformJson {
  const documents = byPath({ resource: stack.data }, "aws_iam_policy_document");
  const document = documents[`${rolePath}/PermissionsPolicy`];
  if (!document) throw new Error(`no policy document for ${rolePath}: ${Object.keys(documents).join(", ")}`);
  return document;
}

describe("the managed source keeps every Terraform address of the single-source pipeline", () => {
  // Recorded from the last version without sources (commit cf15f76): a changed address would make Terraform
  // destroy and re-create the CDC role, the publication, the connectors and their worker configurations.
  // Resources added since (alarms, the dashboard) are new addresses: every recorded one must still be there.
  for (const profile of ["demo", "production"]) {
    it(`${profile}: every recorded resource at its recorded address, in every stack`, () => {
      const expected = JSON.parse(readFileSync(`test/fixtures/addresses/${profile}.json`, "utf8"));
      const synthesized = synthesize(loadConfigFile(`config/${profile}.yaml`));
      try {
        const actual = Object.fromEntries(
          Object.entries(synthesized.stacks).map(([name, stack]) => [name, addresses(stack)]),
        );
        expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
        for (const [name, recorded] of Object.entries<string[]>(expected)) {
          const missing = recorded.filter((address) => !actual[name]?.includes(address));
          expect(missing, `${name}: recorded addresses missing`).toEqual([]);
        }
      } finally {
        synthesized.cleanup();
      }
    });
  }
});

describe("a managed source and two existing databases (config/examples/multi-source.yaml)", () => {
  const config = loadConfigFile(MULTI_SOURCE);
  const synthesized = synthesize(config);
  afterAll(() => synthesized.cleanup());
  const database = synthesized.stacks["prod-database"] ?? {};
  const connectors = synthesized.stacks["prod-connectors"] ?? {};
  const platform = synthesized.stacks["prod-platform"] ?? {};

  it("resolves the sources in the file's order, managed first, each with its own names", () => {
    expect(
      config.sources.map((s) => ({
        name: s.name,
        kind: s.server.kind,
        database: s.databaseName,
        topicPrefix: s.capture.topicPrefix,
        role: s.capture.cdcRoleName,
        publication: s.capture.publicationName,
        slot: s.capture.slotName,
        owner: s.capture.tableOwner,
      })),
    ).toEqual([
      {
        name: undefined,
        kind: "managed",
        database: "shop",
        topicPrefix: "shop-prod",
        role: "shop_prod_cdc",
        publication: "shop_prod_publication",
        slot: "shop_prod_slot",
        owner: "cdc_admin",
      },
      {
        name: "billing",
        kind: "existing",
        database: "billing",
        topicPrefix: "shop-prod-billing",
        role: "shop_prod_billing_cdc",
        publication: "shop_prod_billing_publication",
        slot: "shop_prod_billing_slot",
        owner: "billing_app",
      },
      {
        name: "legacy",
        kind: "existing",
        database: "legacy",
        topicPrefix: "legacy",
        role: "shop_prod_legacy_cdc",
        publication: "shop_prod_legacy_publication",
        slot: "shop_prod_legacy_slot",
        owner: "legacy_app",
      },
    ]);
  });

  it("connects to each existing database with a provider of its own: its endpoint, its admin, its secret", () => {
    const providers = database.provider.postgresql as TerraformJson[];
    const billing = providers.find((p) => p.alias === "source-billing");
    expect(billing).toEqual({
      alias: "source-billing",
      host: "billing.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
      port: 5432,
      database: "billing",
      username: "billing_admin",
      password: expect.stringMatching(
        /^\$\{jsondecode\(ephemeral\.aws_secretsmanager_secret_version\.Source-billing_AdminPassword_[0-9A-F]{8}\.secret_string\)\.password\}$/,
      ),
      sslmode: "require",
      superuser: false,
      connect_timeout: 15,
    });
    const secret = Object.values<TerraformJson>(database.ephemeral.aws_secretsmanager_secret_version).find(
      (e) => e["//"].metadata.path === "prod-database/Source-billing/AdminPassword",
    );
    expect(secret?.secret_id).toBe(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing/admin-AbCdEf",
    );
    // The managed source keeps the unaliased provider, on the RDS instance's address.
    const managed = providers.find((p) => p.alias === undefined);
    expect(managed?.host).toMatch(/aws_db_instanceDatabase_[0-9A-F]{8}address/);
    expect(providers.map((p) => p.alias ?? "managed").sort()).toEqual([
      "managed",
      "source-billing",
      "source-legacy",
    ]);
  });

  it("puts every PostgreSQL object of an existing database on its provider, and after its CDC check", () => {
    for (const name of ["billing", "legacy"]) {
      const prefix = `prod-database/Source-${name}/`;
      const check = byPath(database, "terraform_data")[`${prefix}LogicalReplicationCheck/Resource/Default`];
      expect(check, "the check's terraform_data").toBeDefined();
      const checkAddress = `terraform_data.${check?.["//"].metadata.uniqueId}`;
      let postgresObjects = 0;
      for (const [type, resources] of Object.entries<Record<string, TerraformJson>>(database.resource)) {
        for (const resource of Object.values(resources)) {
          const path = resource["//"].metadata.path as string;
          if (!path.startsWith(prefix) || resource === check) continue;
          expect(resource.depends_on, path).toContain(checkAddress);
          if (type.startsWith("postgresql_")) {
            postgresObjects += 1;
            expect(resource.provider, path).toBe(`postgresql.source-${name}`);
          }
        }
      }
      // Role, publication, two schema grants and a default privilege, two heartbeat grants, the canary
      // grant (+ owner grant).
      expect(postgresObjects).toBeGreaterThanOrEqual(8);
      expect(byPath(database, "postgresql_grant")[`${prefix}CdcRole/CanaryTableSelect`]?.provider, name).toBe(
        `postgresql.source-${name}`,
      );
    }
    // Nothing of the managed source waits for a check or names a provider: it is the default one.
    const managedRole = byPath(database, "postgresql_role")["prod-database/CdcRole/Resource"];
    expect(managedRole?.provider).toBeUndefined();
    expect(managedRole?.depends_on).toBeUndefined();
  });

  it("checks each existing database for its engine's fix before anything else", () => {
    const sqlDir = join(synthesized.stackDir("prod-database"), "sql");
    const checkSql = (name: string) => {
      const step = byPath(database, "terraform_data")[
        `prod-database/Source-${name}/LogicalReplicationCheck/Resource/Default`
      ];
      if (!step) throw new Error(`no CDC check for source ${name}`);
      const file = (step.provisioner[0]["local-exec"].environment.CDC_SQL_FILE as string).split("/").pop();
      return readFileSync(join(sqlDir, file as string), "utf8");
    };
    expect(checkSql("billing")).toContain("DB cluster parameter group");
    expect(checkSql("legacy")).toContain("wal_level = logical in postgresql.conf");
    expect(checkSql("legacy")).not.toContain("parameter group");
  });

  it("gives the CDC role replication the way its server allows: rds_replication, or REPLICATION when self-managed", () => {
    const roles = byPath(database, "postgresql_role");
    const shape = (path: string) => ({
      name: roles[path]?.name,
      roles: roles[path]?.roles,
      replication: roles[path]?.replication,
      superuser: roles[path]?.superuser,
    });
    expect(shape("prod-database/CdcRole/Resource")).toEqual({
      name: "shop_prod_cdc",
      roles: ["rds_replication"],
      replication: false,
      superuser: false,
    });
    expect(shape("prod-database/Source-billing/CdcRole/Resource")).toEqual({
      name: "shop_prod_billing_cdc",
      roles: ["rds_replication"],
      replication: false,
      superuser: false,
    });
    expect(shape("prod-database/Source-legacy/CdcRole/Resource")).toEqual({
      name: "shop_prod_legacy_cdc",
      roles: [],
      replication: true,
      superuser: false,
    });
  });

  it("runs one Debezium connector per source, each on its own database, slot, prefix and offsets topic, with its canary", () => {
    const all = byPath(connectors, "aws_mskconnect_connector");
    const debezium = Object.entries(all).filter(([path]) => path.endsWith("Debezium/Resource"));
    expect(
      debezium.map(([path, c]) => ({
        path,
        name: c.name,
        host: c.connector_configuration["database.hostname"],
        port: c.connector_configuration["database.port"],
        database: c.connector_configuration["database.dbname"],
        prefix: c.connector_configuration["topic.prefix"],
        include: c.connector_configuration["table.include.list"],
        slot: c.connector_configuration["slot.name"],
      })),
    ).toEqual([
      {
        path: "prod-connectors/Debezium/Resource",
        name: "shop-prod-debezium-source",
        host: expect.stringMatching(/aws_db_instanceDatabase_[0-9A-F]{8}address/),
        port: expect.stringMatching(/aws_db_instanceDatabase_[0-9A-F]{8}port/),
        database: "shop",
        prefix: "shop-prod",
        // Each source's tables, then its own canary (in its heartbeat schema, "cdc" by default).
        include: "sales.orders,cdc.cdc_lake_canary",
        slot: expect.stringMatching(/terraform_dataCaptureReadyoutputreplication_slot_name/),
      },
      {
        path: "prod-connectors/Source-billing/Debezium/Resource",
        name: "shop-prod-billing-debezium-source",
        host: "billing.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
        port: "5432",
        database: "billing",
        prefix: "shop-prod-billing",
        include: "invoicing.invoices,invoicing.payments,cdc.cdc_lake_canary",
        slot: expect.stringMatching(/Source-billing_CaptureReady_[0-9A-F]{8}outputreplication_slot_name/),
      },
      {
        path: "prod-connectors/Source-legacy/Debezium/Resource",
        name: "shop-prod-legacy-debezium-source",
        host: "pg-legacy.internal.example.com",
        port: "5433",
        database: "legacy",
        prefix: "legacy",
        include: "public.customers,cdc.cdc_lake_canary",
        slot: expect.stringMatching(/Source-legacy_CaptureReady_[0-9A-F]{8}outputreplication_slot_name/),
      },
    ]);
    const workers = byPath(connectors, "aws_mskconnect_worker_configuration");
    const offsets = Object.values(workers).map(
      (w) => /offset\.storage\.topic=(\S+)/.exec(w.properties_file_content)?.[1],
    );
    expect(offsets.filter(Boolean).sort()).toEqual([
      "shop-prod-billing-debezium-source.offsets",
      "shop-prod-debezium-source.offsets",
      "shop-prod-legacy-debezium-source.offsets",
    ]);
  });

  it("lets each Debezium role write only its own source's topics, its canary's included, and one sink read them all", () => {
    const topicResources = (rolePath: string) =>
      (policyDocument(connectors, rolePath).statement as TerraformJson[])
        .flatMap((s) => s.resources as string[])
        .filter((r) => r.includes(":topic/") && !r.includes("/__amazon_msk_connect_"))
        .map((r) => r.split("/").pop());
    expect(topicResources("prod-connectors/Debezium/Role")).toEqual(
      expect.arrayContaining(["shop-prod.*", "__debezium-heartbeat.shop-prod"]),
    );
    expect(topicResources("prod-connectors/Source-billing/Debezium/Role")).toEqual(
      expect.arrayContaining(["shop-prod-billing.*", "__debezium-heartbeat.shop-prod-billing"]),
    );
    for (const path of ["prod-connectors/Debezium/Role", "prod-connectors/Source-billing/Debezium/Role"]) {
      expect(topicResources(path).some((t) => t === "legacy.*")).toBe(false);
    }
    expect(topicResources("prod-connectors/Source-legacy/Debezium/Role")).not.toContain("shop-prod.*");
    expect(topicResources("prod-connectors/S3Sink/Role").sort()).toEqual([
      "legacy.*",
      "shop-prod-billing.*",
      "shop-prod.*",
    ]);
    // Each canary topic lies under its own source's prefix (so its role may write it) and no other's.
    const canaries = ["shop-prod", "shop-prod-billing", "legacy"].map(
      (prefix) => `${prefix}.cdc.cdc_lake_canary`,
    );
    const writers = {
      "prod-connectors/Debezium/Role": "shop-prod.*",
      "prod-connectors/Source-billing/Debezium/Role": "shop-prod-billing.*",
      "prod-connectors/Source-legacy/Debezium/Role": "legacy.*",
    };
    for (const [rolePath, own] of Object.entries(writers)) {
      const covered = canaries.filter((topic) =>
        topicResources(rolePath).some((r) => r?.endsWith(".*") && topic.startsWith(r.slice(0, -1))),
      );
      expect(covered, rolePath).toEqual([`${own.slice(0, -2)}.cdc.cdc_lake_canary`]);
    }
    const sink = byPath(connectors, "aws_mskconnect_connector")["prod-connectors/S3Sink/Resource"];
    expect(sink?.connector_configuration.topics.split(",")).toEqual([
      "shop-prod.sales.orders",
      "shop-prod.cdc.cdc_lake_canary",
      "shop-prod-billing.invoicing.invoices",
      "shop-prod-billing.invoicing.payments",
      "shop-prod-billing.cdc.cdc_lake_canary",
      "legacy.public.customers",
      "legacy.cdc.cdc_lake_canary",
    ]);
  });

  it("lets the connectors reach each existing database: into its security group, or to its network", () => {
    const egress = byPath(platform, "aws_vpc_security_group_egress_rule");
    const ingress = byPath(platform, "aws_vpc_security_group_ingress_rule");
    const rule = (r: TerraformJson | undefined) => ({
      group: r?.security_group_id,
      to: r?.referenced_security_group_id ?? r?.cidr_ipv4,
      port: [r?.from_port, r?.to_port],
    });
    const connectorsGroup = expect.stringMatching(
      /^\$\{aws_security_group\.ConnectorsSecurityGroup_[0-9A-F]{8}\.id\}$/,
    );
    expect(rule(egress["prod-platform/ConnectorsSecurityGroup/Egress-Source-billing"])).toEqual({
      group: connectorsGroup,
      to: "sg-0123456789abcdef0",
      port: [5432, 5432],
    });
    expect(rule(ingress["prod-platform/ConnectorsSecurityGroup/IngressInto-Source-billing"])).toEqual({
      group: "sg-0123456789abcdef0",
      to: connectorsGroup,
      port: [5432, 5432],
    });
    expect(rule(egress["prod-platform/ConnectorsSecurityGroup/Egress-Source-legacy"])).toEqual({
      group: connectorsGroup,
      to: "10.50.0.0/24",
      port: [5433, 5433],
    });
    // A CIDR source is reached, not admitted: the pipeline adds no rule to anything it does not own there.
    expect(Object.keys(ingress).filter((p) => p.includes("Source-legacy"))).toEqual([]);
  });

  it("lists the sources in the database stack's outputs, by name", () => {
    expect(Object.keys(database.output.sources.value).sort()).toEqual(["billing", "legacy", "managed"]);
    expect(Object.keys(connectors.output.debezium_connector_arns.value).sort()).toEqual([
      "billing",
      "legacy",
      "managed",
    ]);
  });
});

describe("only existing databases: no RDS instance", () => {
  const onlyExisting = (): PipelineConfig => {
    const config = loadConfigFile(MULTI_SOURCE);
    return {
      ...config,
      database: undefined,
      sources: config.sources.filter((s) => s.server.kind === "existing"),
    };
  };

  it("creates no instance, parameter group, alarm or database rule, and still captures both databases", () => {
    const synthesized = synthesize(onlyExisting());
    try {
      const platform = synthesized.stacks["prod-platform"] ?? {};
      for (const type of ["aws_db_instance", "aws_db_parameter_group", "aws_db_subnet_group"]) {
        expect(Object.keys(platform.resource[type] ?? {}), type).toEqual([]);
      }
      // No database alarm: the platform's alarms are the brokers' only (the existing databases are not its).
      const alarms = Object.values<TerraformJson>(platform.resource.aws_cloudwatch_metric_alarm ?? {});
      expect(alarms.map((a) => a.namespace)).toEqual(["AWS/Kafka", "AWS/Kafka", "AWS/Kafka"]);
      expect(platform.output.rds).toBeUndefined();
      const connectors = synthesized.stacks["prod-connectors"] ?? {};
      expect(Object.keys(byPath(connectors, "aws_mskconnect_connector")).sort()).toEqual([
        "prod-connectors/S3Sink/Resource",
        "prod-connectors/Source-billing/Debezium/Resource",
        "prod-connectors/Source-legacy/Debezium/Resource",
      ]);
      const database = synthesized.stacks["prod-database"] ?? {};
      expect((database.provider.postgresql as TerraformJson[]).map((p) => p.alias)).toEqual([
        "source-billing",
        "source-legacy",
      ]);
    } finally {
      synthesized.cleanup();
    }
  });
});

describe("sources refused at synth, in the config's words", () => {
  const existing = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    engine: "rds-postgresql",
    endpoint: `${name}.example.com`,
    database: name,
    adminUsername: "admin_user",
    adminSecretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
    connectorsReach: { cidr: "10.50.0.0/24" },
    capture: { tables: [{ schema: "public", table: "t" }] },
    ...extra,
  });

  it("accepts the demo with an existing database beside it", () => {
    expect(problemsOf((d) => (d.sources = [existing("billing")]))).toEqual([]);
  });

  it("fails if two sources share a name", () => {
    expect(
      problemsOf((d) => (d.sources = [existing("a"), existing("a", { endpoint: "other.example.com" })])),
    ).toEqual([
      'sources.1.name: got "a" twice; expected a distinct name per source',
      'sources.1.capture.topicPrefix: got "cdc-lake-demo-a" beside "cdc-lake-demo-a" of source "a"; expected topic prefixes that do not nest: each connector may write and read only <its prefix>.*',
      'sources.1.capture.cdcRoleName: got "cdc_lake_demo_a_cdc", as source "a" has; expected one per source (roles and replication slots belong to a whole server)',
      'sources.1.capture.slotName: got "cdc_lake_demo_a_slot", as source "a" has; expected one per source (roles and replication slots belong to a whole server)',
    ]);
  });

  it("fails if two sources would write the same topics", () => {
    expect(
      problemsOf(
        (d) =>
          (d.sources = [
            existing("billing", { capture: { topicPrefix: "cdc-lake-demo", tables: [{ table: "t" }] } }),
          ]),
      ),
    ).toEqual([
      'sources.0.capture.topicPrefix: got "cdc-lake-demo" beside "cdc-lake-demo" of the managed source (capture); expected topic prefixes that do not nest: each connector may write and read only <its prefix>.*',
    ]);
  });

  it("fails if the same database is listed twice", () => {
    expect(
      problemsOf(
        (d) => (d.sources = [existing("a"), existing("b", { endpoint: "A.example.com", database: "a" })]),
      ),
    ).toEqual([
      "sources.1.database: got A.example.com:5432/a, already sources[0]; expected each database once (one source captures all its tables)",
    ]);
  });

  it("fails if the admin secret is in another region", () => {
    expect(
      problemsOf(
        (d) =>
          (d.sources = [
            existing("billing", {
              adminSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:b-AbCdEf",
            }),
          ]),
      ),
    ).toEqual([
      "sources.0.adminSecretArn: got a secret in eu-west-1; expected one in the pipeline's region us-east-1 (the database stack reads it there): replicate the secret to us-east-1",
    ]);
  });

  it('fails if a source is named "managed", the managed source\'s key', () => {
    expect(problemsOf((d) => (d.sources = [existing("managed")]))).toEqual([
      'sources.0.name: got "managed"; expected a name other than "managed", which names the source on the RDS instance the pipeline creates',
    ]);
  });

  it("fails if capture has no instance, or the instance nothing to capture, or there is no source", () => {
    expect(problemsOf((d) => delete d.database)).toEqual([
      "database: got nothing while capture is set; expected the RDS instance the pipeline creates for it (database.databaseName at least), or move capture under sources[] for an existing database",
    ]);
    expect(problemsOf((d) => delete d.capture)).toEqual([
      "capture: got nothing while database is set; expected the tables to capture from that instance (capture.tables), or no database section when every source is an existing database (sources)",
    ]);
    expect(
      problemsOf((d) => {
        delete d.capture;
        delete d.database;
        d.guardrails.suppressions = [];
      }),
    ).toEqual([
      "sources: got no source; expected capture (with database) for the RDS instance the pipeline creates, or sources for existing databases",
    ]);
  });

  it("fails if a source's name makes its connector's worker configuration name too long", () => {
    const base = `${"p".repeat(10)}-${"e".repeat(5)}`;
    const name = "s".repeat(20);
    expect(
      problemsOf((d) => {
        d.project = "p".repeat(10);
        d.environment = "e".repeat(5);
        d.guardrails.suppressions = [];
        d.sources = [existing(name)];
      }),
    ).toEqual([
      `sources.0.name: got "${name}": MSK Connect worker configuration name "${base}-${name}-debezium-source-worker-00000000" would be 69 characters; expected at most 64 (shorten the source's name, or project + environment (now 16 characters together))`,
    ]);
    // Five characters shorter fits.
    expect(
      problemsOf((d) => {
        d.project = "p".repeat(10);
        d.environment = "e".repeat(5);
        d.guardrails.suppressions = [];
        d.sources = [existing(name.slice(5))];
      }),
    ).toEqual([]);
  });
});
