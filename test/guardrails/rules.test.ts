import { describe, expect, it } from "vitest";
import type { Json, Rule } from "../../src/guardrails/rule";
import { ALL_RULES } from "../../src/guardrails/rules";
import { stackView } from "../../src/guardrails/stack-view";

/** Terraform JSON of one stack with the given resources (and data sources under `data`). */
function stack(resource: Json, data: Json = {}, provider: Json = {}): Json {
  const withPaths = (blocks: Json) =>
    Object.fromEntries(
      Object.entries(blocks).map(([type, byName]) => [
        type,
        Object.fromEntries(
          Object.entries<Json>(byName).map(([name, config]) => [
            name,
            { ...config, "//": { metadata: { path: `test/${name}` } } },
          ]),
        ),
      ]),
    );
  return { resource: withPaths(resource), data: withPaths(data), provider };
}

/** The verdicts of `rule` over every block it applies to. */
function verdicts(rule: Rule, json: Json): string[] {
  const view = stackView("test", json);
  return view.blocks
    .filter((b) => rule.appliesTo.includes("*") || rule.appliesTo.includes(b.type))
    .map((b) => rule.check(b, view));
}

const bucket = { aws_s3_bucket: { lake: { bucket_prefix: "x-" } } };
/** A policy document denying the lake bucket to requests without TLS. */
const tlsDenyDocument = {
  aws_iam_policy_document: {
    tls: {
      statement: [
        {
          effect: "Deny",
          resources: ["${aws_s3_bucket.lake.arn}"],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    },
  },
};
const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;
const pgParams = (params: Json[]) => ({
  aws_db_parameter_group: { pg: { family: "postgres15", parameter: params } },
});
const db = (config: Json) => ({ aws_db_instance: { db: config } });
const msk = (config: Json) => ({ aws_msk_cluster: { msk: config } });
const mskCompliant = {
  client_authentication: { sasl: { iam: true, scram: false }, unauthenticated: false },
  encryption_info: { encryption_in_transit: { client_broker: "TLS", in_cluster: true } },
};
const publicRouting = {
  aws_route: {
    r: {
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: ref("aws_internet_gateway", "igw", "id"),
      route_table_id: "${aws_route_table.pub.id}",
    },
  },
  aws_route_table_association: {
    a: { route_table_id: "${aws_route_table.pub.id}", subnet_id: "${aws_subnet.pub.id}" },
  },
};

/** For every rule: a stack it accepts and a stack it flags. */
const FIXTURES: Record<string, { compliant: Json; nonCompliant: Json }> = {
  "CDC-RDS1": {
    compliant: stack(db({ publicly_accessible: false })),
    nonCompliant: stack(db({ publicly_accessible: true })),
  },
  "CDC-RDS2": {
    compliant: stack(db({ storage_encrypted: true })),
    nonCompliant: stack(db({ storage_encrypted: false })),
  },
  "CDC-RDS3": {
    compliant: stack(
      pgParams([
        { name: "rds.logical_replication", value: "1" },
        { name: "max_slot_wal_keep_size", value: "4096" },
      ]),
    ),
    nonCompliant: stack(pgParams([{ name: "rds.logical_replication", value: "1" }])),
  },
  "CDC-RDS4": {
    compliant: stack(
      pgParams([{ name: "rds.logical_replication", value: "1", apply_method: "pending-reboot" }]),
    ),
    nonCompliant: stack(
      pgParams([{ name: "rds.logical_replication", value: "1", apply_method: "immediate" }]),
    ),
  },
  "CDC-RDS5": { compliant: stack(db({ multi_az: true })), nonCompliant: stack(db({ multi_az: false })) },
  "CDC-RDS6": {
    compliant: stack(db({ deletion_protection: true })),
    nonCompliant: stack(db({ deletion_protection: false })),
  },
  "CDC-RDS7": {
    compliant: stack(db({ backup_retention_period: 7, skip_final_snapshot: false })),
    nonCompliant: stack(db({ backup_retention_period: 7, skip_final_snapshot: true })),
  },
  "CDC-RDS8": {
    compliant: stack(pgParams([{ name: "rds.force_ssl", value: "1" }])),
    nonCompliant: stack(pgParams([{ name: "rds.force_ssl", value: "0" }])),
  },
  "CDC-RDS9": {
    compliant: stack(db({ performance_insights_enabled: true })),
    nonCompliant: stack(db({ performance_insights_enabled: false })),
  },
  "CDC-RDS10": {
    compliant: stack(db({ enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"] })),
    nonCompliant: stack(db({ enabled_cloudwatch_logs_exports: ["upgrade"] })),
  },
  "CDC-NET1": {
    compliant: stack({ aws_vpc_security_group_ingress_rule: { r: { cidr_ipv4: "203.0.113.10/32" } } }),
    nonCompliant: stack({ aws_vpc_security_group_ingress_rule: { r: { cidr_ipv4: "0.0.0.0/0" } } }),
  },
  "CDC-NET2": {
    compliant: stack({ aws_vpc: { vpc: {} }, aws_flow_log: { f: { vpc_id: ref("aws_vpc", "vpc", "id") } } }),
    nonCompliant: stack({ aws_vpc: { vpc: {} } }),
  },
  "CDC-NET3": {
    compliant: stack({
      ...publicRouting,
      aws_db_subnet_group: { g: { subnet_ids: ["${aws_subnet.private.id}"] } },
    }),
    nonCompliant: stack({
      ...publicRouting,
      aws_db_subnet_group: { g: { subnet_ids: ["${aws_subnet.pub.id}"] } },
    }),
  },
  "CDC-KMS1": {
    compliant: stack(db({ kms_key_id: ref("aws_kms_key", "k", "arn") })),
    nonCompliant: stack(db({ storage_encrypted: true, kms_key_id: "alias/aws/rds" })),
  },
  "CDC-MSK1": {
    compliant: stack(msk(mskCompliant)),
    nonCompliant: stack(
      msk({ ...mskCompliant, client_authentication: { sasl: { iam: true }, unauthenticated: true } }),
    ),
  },
  "CDC-MSK2": {
    compliant: stack({
      ...msk(mskCompliant),
      aws_appautoscaling_target: {
        t: { service_namespace: "kafka", resource_id: ref("aws_msk_cluster", "msk", "arn") },
      },
      aws_appautoscaling_policy: { p: { resource_id: ref("aws_appautoscaling_target", "t", "resource_id") } },
    }),
    // A target without a policy scales nothing.
    nonCompliant: stack({
      ...msk(mskCompliant),
      aws_appautoscaling_target: {
        t: { service_namespace: "kafka", resource_id: ref("aws_msk_cluster", "msk", "arn") },
      },
    }),
  },
  "CDC-MSK3": {
    compliant: stack({
      aws_msk_configuration: {
        c: { server_properties: "default.replication.factor=3\nmin.insync.replicas=2" },
      },
    }),
    nonCompliant: stack({
      aws_msk_configuration: {
        c: { server_properties: "default.replication.factor=2\nmin.insync.replicas=1" },
      },
    }),
  },
  "CDC-MSKC1": {
    compliant: stack({
      aws_mskconnect_connector: {
        c: {
          kafka_cluster_client_authentication: { authentication_type: "IAM" },
          kafka_cluster_encryption_in_transit: { encryption_type: "TLS" },
        },
      },
    }),
    nonCompliant: stack({
      aws_mskconnect_connector: {
        c: {
          kafka_cluster_client_authentication: { authentication_type: "NONE" },
          kafka_cluster_encryption_in_transit: { encryption_type: "PLAINTEXT" },
        },
      },
    }),
  },
  "CDC-S3-1": {
    compliant: stack({
      ...bucket,
      aws_s3_bucket_public_access_block: {
        p: {
          bucket: ref("aws_s3_bucket", "lake", "id"),
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        },
      },
    }),
    nonCompliant: stack({
      ...bucket,
      aws_s3_bucket_public_access_block: {
        p: {
          bucket: ref("aws_s3_bucket", "lake", "id"),
          block_public_acls: true,
          block_public_policy: false,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        },
      },
    }),
  },
  "CDC-S3-2": {
    compliant: stack({
      ...bucket,
      aws_s3_bucket_server_side_encryption_configuration: {
        e: { bucket: ref("aws_s3_bucket", "lake", "id") },
      },
    }),
    nonCompliant: stack(bucket),
  },
  "CDC-S3-3": {
    compliant: stack(
      {
        ...bucket,
        aws_s3_bucket_policy: {
          p: {
            bucket: ref("aws_s3_bucket", "lake", "id"),
            policy: "${data.aws_iam_policy_document.tls.json}",
          },
        },
      },
      tlsDenyDocument,
    ),
    // The denying document exists but is not the policy attached to the bucket.
    nonCompliant: stack(
      {
        ...bucket,
        aws_s3_bucket_policy: {
          p: {
            bucket: ref("aws_s3_bucket", "lake", "id"),
            policy: "${data.aws_iam_policy_document.other.json}",
          },
        },
      },
      tlsDenyDocument,
    ),
  },
  "CDC-S3-4": {
    compliant: stack({
      ...bucket,
      aws_s3_bucket_versioning: {
        v: { bucket: ref("aws_s3_bucket", "lake", "id"), versioning_configuration: { status: "Enabled" } },
      },
    }),
    nonCompliant: stack({
      ...bucket,
      aws_s3_bucket_versioning: {
        v: { bucket: ref("aws_s3_bucket", "lake", "id"), versioning_configuration: { status: "Suspended" } },
      },
    }),
  },
  "CDC-S3-5": {
    compliant: stack({ aws_s3_bucket: { lake: { force_destroy: false } } }),
    nonCompliant: stack({ aws_s3_bucket: { lake: { force_destroy: true } } }),
  },
  "CDC-S3-6": {
    compliant: stack({
      ...bucket,
      aws_s3_bucket_lifecycle_configuration: { l: { bucket: ref("aws_s3_bucket", "lake", "id") } },
    }),
    nonCompliant: stack(bucket),
  },
  "CDC-IAM1": {
    compliant: stack(
      {},
      {
        aws_iam_policy_document: {
          d: { statement: [{ effect: "Allow", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/*"] }] },
        },
      },
    ),
    nonCompliant: stack(
      {},
      {
        aws_iam_policy_document: {
          d: { statement: [{ effect: "Allow", actions: ["s3:PutObject"], resources: ["*"] }] },
        },
      },
    ),
  },
  "CDC-LOG1": {
    compliant: stack({ aws_cloudwatch_log_group: { g: { retention_in_days: 30 } } }),
    nonCompliant: stack({ aws_cloudwatch_log_group: { g: {} } }),
  },
  "CDC-LOG2": {
    compliant: stack({ aws_cloudwatch_log_group: { g: { retention_in_days: 365 } } }),
    nonCompliant: stack({ aws_cloudwatch_log_group: { g: { retention_in_days: 30 } } }),
  },
  "CDC-SEC1": {
    compliant: stack({
      aws_mskconnect_connector: {
        c: {
          connector_configuration: {
            "database.password": '${join("", ["$${secretsmanager:", "n", ":password}"])}',
          },
        },
      },
      aws_db_instance: { db: { manage_master_user_password: true } },
    }),
    nonCompliant: stack({
      aws_mskconnect_connector: {
        c: { connector_configuration: { "database.password": "a-literal-for-this-test" } },
      },
    }),
  },
};

describe("guardrail rules", () => {
  it("each have a compliant and a non-compliant fixture", () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(ALL_RULES.map((r) => r.id).sort());
  });

  it("have unique IDs, a level, a cause, a reason and a fix", () => {
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^CDC-[A-Z0-9]+(-\d+|\d+)$/);
      expect(["error", "warning"]).toContain(rule.level);
      for (const text of [rule.cause, rule.why, rule.fix]) expect(text.length).toBeGreaterThan(15);
    }
  });

  describe.each(ALL_RULES.map((rule) => [rule.id, rule] as const))("%s", (id, rule) => {
    it("accepts its compliant fixture", () => {
      const v = verdicts(rule, FIXTURES[id]?.compliant ?? {});
      expect(v).toContain("compliant");
      expect(v).not.toContain("non-compliant");
    });

    it("flags its non-compliant fixture", () => {
      expect(verdicts(rule, FIXTURES[id]?.nonCompliant ?? {})).toContain("non-compliant");
    });
  });

  it("CDC-IAM1 also flags whole-service actions and literal policy strings", () => {
    const rule = ALL_RULES.find((r) => r.id === "CDC-IAM1") as Rule;
    const doc = (statement: Json) =>
      stack({}, { aws_iam_policy_document: { d: { statement: [statement] } } });
    expect(
      verdicts(rule, doc({ effect: "Allow", actions: ["s3:*"], resources: ["arn:aws:s3:::b"] })),
    ).toEqual(["non-compliant"]);
    expect(verdicts(rule, doc({ effect: "Deny", actions: ["s3:*"], resources: ["arn:aws:s3:::b"] }))).toEqual(
      ["compliant"],
    );
    const literal = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    expect(verdicts(rule, stack({ aws_iam_role_policy: { p: { policy: literal } } }))).toEqual([
      "non-compliant",
    ]);
  });

  it("CDC-SEC1 finds literals inside expressions and worker properties, not ephemeral references", () => {
    const rule = ALL_RULES.find((r) => r.id === "CDC-SEC1") as Rule;
    const version = (value: string) =>
      stack({ aws_secretsmanager_secret_version: { v: { secret_string_wo: value } } });
    expect(verdicts(rule, version('${jsonencode({"username" = "u", "password" = "hunter2"})}'))).toEqual([
      "non-compliant",
    ]);
    expect(
      verdicts(rule, version('${jsonencode({"username" = "u", "password" = ephemeral.x.random_password})}')),
    ).toEqual(["compliant"]);
    const worker = (content: string) =>
      stack({ aws_mskconnect_worker_configuration: { w: { properties_file_content: content } } });
    expect(verdicts(rule, worker("database.password=hunter2\n"))).toEqual(["non-compliant"]);
    expect(verdicts(rule, worker("config.providers=secretsmanager\n"))).toEqual(["compliant"]);
  });

  it("CDC-SEC1 also finds a literal password in a provider block", () => {
    const rule = ALL_RULES.find((r) => r.id === "CDC-SEC1") as Rule;
    expect(verdicts(rule, stack({}, {}, { postgresql: [{ password: "hunter2" }] }))).toContain(
      "non-compliant",
    );
    expect(
      verdicts(rule, stack({}, {}, { postgresql: [{ password: "${jsondecode(x).password}" }] })),
    ).toEqual(["compliant"]);
  });
});
