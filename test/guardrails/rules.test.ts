import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { formatFinding, GuardrailsAspect } from "../../src/guardrails/aspect";
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

/** An Athena workgroup named "cdc", with `configuration` when given (cdktf writes the block as an object). */
const workgroup = (configuration?: unknown, name: unknown = "cdc") => ({
  aws_athena_workgroup: { wg: { name, ...(configuration === undefined ? {} : { configuration }) } },
});
/** A workgroup configuration every Athena rule accepts. */
const athenaCompliant = {
  enforce_workgroup_configuration: true,
  bytes_scanned_cutoff_per_query: 1_073_741_824,
  result_configuration: {
    output_location: "s3://${aws_s3_bucket.results.bucket}/athena/",
    encryption_configuration: { encryption_option: "SSE_KMS", kms_key_arn: ref("aws_kms_key", "k", "arn") },
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
    compliant: stack({
      aws_security_group: { g: { name: "db" } },
      aws_vpc_security_group_ingress_rule: {
        r: { security_group_id: ref("aws_security_group", "g", "id"), cidr_ipv4: "203.0.113.10/32" },
      },
    }),
    nonCompliant: stack({
      aws_security_group: { g: { name: "db" } },
      aws_vpc_security_group_ingress_rule: {
        r: { security_group_id: ref("aws_security_group", "g", "id"), cidr_ipv4: "0.0.0.0/0" },
      },
    }),
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
  "CDC-OBS1": {
    compliant: stack({
      aws_cloudwatch_metric_alarm: { a: { alarm_actions: ["${aws_sns_topic.alerts.arn}"] } },
    }),
    nonCompliant: stack({ aws_cloudwatch_metric_alarm: { a: { alarm_actions: [] } } }),
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
  "CDC-ATH1": {
    compliant: stack(workgroup(athenaCompliant)),
    nonCompliant: stack(workgroup({ ...athenaCompliant, enforce_workgroup_configuration: false })),
  },
  "CDC-ATH2": {
    compliant: stack(workgroup(athenaCompliant)),
    nonCompliant: stack(
      workgroup({
        ...athenaCompliant,
        result_configuration: {
          output_location: "s3://results/athena/",
          encryption_configuration: { encryption_option: "SSE_KMS" },
        },
      }),
    ),
  },
  "CDC-ATH3": {
    compliant: stack(workgroup(athenaCompliant)),
    nonCompliant: stack(workgroup({ ...athenaCompliant, bytes_scanned_cutoff_per_query: 0 })),
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

  it("CDC-OBS1 flags an alarm without actions, or with its actions disabled, metric or composite", () => {
    const rule = ALL_RULES.find((r) => r.id === "CDC-OBS1") as Rule;
    const topic = "arn:aws:sns:us-east-1:123456789012:alerts";
    expect(
      verdicts(
        rule,
        stack({
          aws_cloudwatch_metric_alarm: {
            none: {},
            disabled: { alarm_actions: [topic], actions_enabled: false },
            notified: { alarm_actions: [topic], actions_enabled: true },
          },
          aws_cloudwatch_composite_alarm: { composite: { alarm_actions: [] } },
        }),
      ),
    ).toEqual(["non-compliant", "non-compliant", "compliant", "non-compliant"]);
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

describe("CDC-NET1 judges the public addresses a security group admits, not the text of its ranges", () => {
  const rule = ALL_RULES.find((r) => r.id === "CDC-NET1") as Rule;
  const group = ref("aws_security_group", "g", "id");

  /** A stack with security group `g` (named "db") admitting each range through its own ingress rule. */
  function admitting(ranges: string[], extra: Json = {}): Json {
    const rules = Object.fromEntries(
      ranges.map((cidr, i) => [
        `r${i}`,
        { security_group_id: group, [cidr.includes(":") ? "cidr_ipv6" : "cidr_ipv4"]: cidr },
      ]),
    );
    return stack({
      aws_security_group: { g: { name: "db" } },
      ...extra,
      aws_vpc_security_group_ingress_rule: { ...rules, ...(extra.aws_vpc_security_group_ingress_rule ?? {}) },
    });
  }

  /** Each non-compliant block's path and the finding's detail; [] when the stack passes. */
  function findings(json: Json): { path: string; detail: string | undefined }[] {
    const view = stackView("test", json);
    return view.blocks
      .filter((b) => rule.appliesTo.includes(b.type) && rule.check(b, view) === "non-compliant")
      .map((b) => ({ path: b.path, detail: rule.explain?.(b, view) }));
  }

  const only = (json: Json) => {
    const all = findings(json);
    expect(all).toHaveLength(1);
    return all[0]?.detail ?? "";
  };

  it("flags 0.0.0.0/1 and 128.0.0.0/1: the whole internet in two halves", () => {
    const [finding] = findings(admitting(["0.0.0.0/1", "128.0.0.0/1"]));
    // On the group, not on either rule; every public address of IPv4 (2^32 less the special ranges).
    expect(finding?.path).toBe("test/g");
    expect(finding?.detail).toBe(
      "Security group db admits 0.0.0.0/0: 3,702,390,784 public IPv4 addresses (at most 256), the largest " +
        "32.0.0.0/3, 64.0.0.0/3, 128.0.0.0/3, 16.0.0.0/4 and 47 more.",
    );
  });

  it("flags 64 public /8 blocks", () => {
    const blocks = Array.from({ length: 70 }, (_, i) => i + 1)
      .filter((n) => n !== 10 && n !== 127)
      .slice(0, 64)
      .map((n) => `${n}.0.0.0/8`);
    expect(blocks).toHaveLength(64);
    // 1.0.0.0/8 to 66.0.0.0/8 less 10 and 127: merged, and printed as the fewest blocks.
    expect(only(admitting(blocks))).toBe(
      "Security group db admits 1.0.0.0/8, 2.0.0.0/7, 4.0.0.0/6, 8.0.0.0/7 and 5 more: 1,073,741,824 public " +
        "IPv4 addresses (at most 256), the largest 32.0.0.0/3, 16.0.0.0/4, 4.0.0.0/6, 12.0.0.0/6 and 5 more.",
    );
  });

  it("flags 0.0.0.0/00, a /0 written with a leading zero", () => {
    expect(only(admitting(["0.0.0.0/00"]))).toMatch(
      /^Security group db admits 0\.0\.0\.0\/0: 3,702,390,784 public IPv4 addresses/,
    );
  });

  it("accepts private, shared and link-local space, however wide", () => {
    expect(findings(admitting(["10.0.0.0/8", "192.168.0.0/16"]))).toEqual([]);
    expect(findings(admitting(["172.16.0.0/12", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"]))).toEqual(
      [],
    );
    expect(verdicts(rule, admitting(["10.0.0.0/8", "192.168.0.0/16"]))).toContain("compliant");
  });

  it("accepts a few public addresses: a /32 and a /28, and at most one /24 in all", () => {
    expect(findings(admitting(["203.0.113.10/32", "198.51.100.16/28"]))).toEqual([]);
    expect(findings(admitting(["198.51.100.0/24"]))).toEqual([]);
    // One address more than a /24, even split over rules, is over the threshold.
    expect(only(admitting(["198.51.100.0/24", "203.0.113.10/32"]))).toBe(
      "Security group db admits 198.51.100.0/24, 203.0.113.10/32: 257 public IPv4 addresses (at most 256).",
    );
    expect(only(admitting(["198.51.100.0/25", "198.51.100.128/25", "198.51.101.0/32"]))).toBe(
      "Security group db admits 198.51.100.0/24, 198.51.101.0/32: 257 public IPv4 addresses (at most 256).",
    );
  });

  it("counts overlapping ranges once", () => {
    expect(findings(admitting(["198.51.100.0/24", "198.51.100.0/25", "198.51.100.7/32"]))).toEqual([]);
  });

  it("flags IPv6 ::/1 and 8000::/1, and more than one public /64", () => {
    // All of IPv6 but ::, ::1, fc00::/7, fe80::/10 and ff00::/8.
    expect(only(admitting(["::/1", "8000::/1"]))).toBe(
      "Security group db admits ::/0: about 2^128 public IPv6 addresses (at most one /64), the largest " +
        "4000::/2, 8000::/2, 2000::/3, c000::/3 and 129 more.",
    );
    expect(findings(admitting(["2001:db8::/64", "fd00::/8", "fe80::/10", "ff00::/8", "::1/128"]))).toEqual(
      [],
    );
    expect(only(admitting(["2001:db8::/63"]))).toBe(
      "Security group db admits 2001:db8::/63: 2^65 public IPv6 addresses (at most one /64).",
    );
  });

  it("reads a range with host bits as AWS stores it: host bits cleared", () => {
    // AWS canonicalizes 203.0.113.77/16 to 203.0.0.0/16: 65,536 addresses, not one.
    expect(only(admitting(["203.0.113.77/16"]))).toBe(
      "Security group db admits 203.0.0.0/16: 65,536 public IPv4 addresses (at most 256).",
    );
    expect(only(admitting(["2001:db8::1/48"]))).toContain("2001:db8::/48");
  });

  it("reads an IPv4 octet with a leading zero both as decimal and as octal", () => {
    // 010.0.0.0/8 is 10.0.0.0/8 (private) read as decimal, 8.0.0.0/8 (public) read as octal.
    expect(only(admitting(["010.0.0.0/8"]))).toBe(
      "Security group db admits 8.0.0.0/8, 10.0.0.0/8: 16,777,216 public IPv4 addresses (at most 256), the " +
        "largest 8.0.0.0/8.",
    );
    expect(findings(admitting([" 192.168.000.000/16 "]))).toEqual([]);
  });

  it("takes the union over inline ingress blocks, aws_security_group_rule and ingress rule resources", () => {
    // Each source alone is under the threshold; together they admit 257 public addresses.
    const json = stack({
      aws_security_group: {
        g: { name: "db", ingress: [{ cidr_blocks: ["198.51.100.0/25"], ipv6_cidr_blocks: [] }] },
        other: { name: "other" },
      },
      aws_security_group_rule: {
        a: { type: "ingress", security_group_id: group, cidr_blocks: ["198.51.100.128/25"] },
        // Egress is not ingress.
        b: { type: "egress", security_group_id: group, cidr_blocks: ["0.0.0.0/0"] },
      },
      aws_vpc_security_group_ingress_rule: {
        c: { security_group_id: group, cidr_ipv4: "203.0.113.10/32" },
        // Another group's rule does not add to g (and a /24 alone passes).
        d: { security_group_id: ref("aws_security_group", "other", "id"), cidr_ipv4: "203.0.113.0/24" },
      },
    });
    expect(findings(json)).toEqual([
      {
        path: "test/g",
        detail:
          "Security group db admits 198.51.100.0/24, 203.0.113.10/32: 257 public IPv4 addresses (at most 256).",
      },
    ]);
    // The rules themselves are judged through their group, not one by one.
    expect(verdicts(rule, json)).toEqual([
      "non-compliant",
      "compliant",
      "not-applicable",
      "not-applicable",
      "not-applicable",
      "not-applicable",
    ]);
  });

  it("judges the rules of a group defined elsewhere together, on each rule that adds public addresses", () => {
    const json = stack({
      aws_vpc_security_group_ingress_rule: {
        a: { security_group_id: "sg-0123456789abcdef0", cidr_ipv4: "0.0.0.0/1" },
        b: { security_group_id: "sg-0123456789abcdef0", cidr_ipv4: "128.0.0.0/1" },
        c: { security_group_id: "sg-0123456789abcdef0", cidr_ipv4: "10.0.0.0/8" },
        d: { security_group_id: "sg-0fedcba9876543210", cidr_ipv4: "203.0.113.10/32" },
      },
    });
    expect(findings(json).map((f) => f.path)).toEqual(["test/a", "test/b"]);
    expect(findings(json)[0]?.detail).toMatch(/^Security group sg-0123456789abcdef0 admits 0\.0\.0\.0\/0: /);
  });

  it("does not judge security-group references, prefix lists, or the VPC's own computed CIDR", () => {
    const json = admitting([], {
      aws_vpc_security_group_ingress_rule: {
        peer: {
          security_group_id: group,
          referenced_security_group_id: ref("aws_security_group", "x", "id"),
        },
        list: { security_group_id: group, prefix_list_id: "pl-63a5400a" },
        vpc: { security_group_id: group, cidr_ipv4: ref("aws_vpc", "Network", "cidr_block") },
        v6: { security_group_id: group, cidr_ipv6: ref("aws_vpc", "Network", "ipv6_cidr_block") },
      },
    });
    expect(findings(json)).toEqual([]);
    expect(verdicts(rule, json)).toContain("compliant");
  });

  it("flags a range Terraform computes, or a literal that is not a range: neither can be proven closed", () => {
    expect(only(admitting(["${var.operator_cidr}"]))).toBe(
      'Security group db admits ranges it cannot judge at synth (computed, or not an IP range): "${var.operator_cidr}".',
    );
    expect(only(admitting(["0.0.0.0/33"]))).toContain('"0.0.0.0/33"');
    // A whole list computed by Terraform, in an inline block.
    expect(
      only(stack({ aws_security_group: { g: { name: "db", ingress: [{ cidr_blocks: "${var.cidrs}" }] } } })),
    ).toContain('"${var.cidrs}"');
  });

  it("judges the VPC's default group too, with the rules that name it", () => {
    const json = stack({
      aws_default_security_group: { d: { ingress: [{ cidr_blocks: ["0.0.0.0/1"] }] } },
      aws_vpc_security_group_ingress_rule: {
        r: { security_group_id: ref("aws_default_security_group", "d", "id"), cidr_ipv4: "128.0.0.0/1" },
      },
    });
    expect(only(json)).toMatch(/^Security group test\/d admits 0\.0\.0\.0\/0: /);
  });

  it("names the group by its construct path when its name is computed", () => {
    const json = stack({
      aws_security_group: { g: { name_prefix: "db-", ingress: [{ cidr_blocks: ["0.0.0.0/0"] }] } },
    });
    expect(only(json)).toMatch(/^Security group test\/g admits /);
  });
});

describe("CDC-ATH1, CDC-ATH2, CDC-ATH3 read an Athena workgroup as Terraform and provider 5.100.0 do", () => {
  const rule = (id: string) => ALL_RULES.find((r) => r.id === id) as Rule;

  /** Each non-compliant workgroup's finding detail, by logical name; {} when every one passes. */
  function details(id: string, workgroups: Record<string, Json>): Record<string, string | undefined> {
    const view = stackView("test", stack({ aws_athena_workgroup: workgroups }));
    return Object.fromEntries(
      view.blocks
        .filter((b) => rule(id).check(b, view) === "non-compliant")
        .map((b) => [b.name, rule(id).explain?.(b, view)]),
    );
  }

  it("apply to aws_athena_workgroup only: other resources get no verdict", () => {
    for (const id of ["CDC-ATH1", "CDC-ATH2", "CDC-ATH3"]) {
      expect(rule(id).appliesTo).toEqual(["aws_athena_workgroup"]);
      expect(verdicts(rule(id), stack({ ...bucket, ...db({ storage_encrypted: true }) }))).toEqual([]);
    }
  });

  it('CDC-ATH1 accepts enforce_workgroup_configuration unset, null or "true": the provider defaults it to true', () => {
    // `terraform plan` with hashicorp/aws 5.100.0 shows enforce_workgroup_configuration = true for each.
    expect(
      details("CDC-ATH1", {
        unset: { name: "a", configuration: { result_configuration: { output_location: "s3://r/" } } },
        empty: { name: "b", configuration: {} },
        nulled: { name: "c", configuration: { enforce_workgroup_configuration: null } },
        text: { name: "d", configuration: [{ enforce_workgroup_configuration: "true" }] },
      }),
    ).toEqual({});
  });

  it("CDC-ATH1 flags a workgroup without a configuration block: Athena alone does not override clients", () => {
    expect(
      details("CDC-ATH1", { none: { name: "cdc" }, emptyList: { name: "cdc2", configuration: [] } }),
    ).toEqual({
      none:
        "Workgroup cdc: configuration: got no block; expected one (inside it enforce_workgroup_configuration " +
        "defaults to true; without it Athena does not override client-side settings).",
      emptyList:
        "Workgroup cdc2: configuration: got no block; expected one (inside it enforce_workgroup_configuration " +
        "defaults to true; without it Athena does not override client-side settings).",
    });
  });

  it('CDC-ATH1 flags false, "false" and a value Terraform computes', () => {
    expect(
      details("CDC-ATH1", {
        off: { name: "cdc", configuration: { enforce_workgroup_configuration: false } },
        text: { name: "cdc", configuration: [{ enforce_workgroup_configuration: "false" }] },
        computed: {
          name: "${var.name}",
          configuration: { enforce_workgroup_configuration: "${var.enforce}" },
        },
      }),
    ).toEqual({
      off: "Workgroup cdc: configuration.enforce_workgroup_configuration: got false; expected true.",
      text: 'Workgroup cdc: configuration.enforce_workgroup_configuration: got "false"; expected true.',
      // A computed name is replaced by the construct path.
      computed:
        "Workgroup test/computed: configuration.enforce_workgroup_configuration: got " +
        '"${var.enforce}", computed by Terraform; expected true.',
    });
  });

  it("CDC-ATH2 accepts SSE_S3 without a key, CSE_KMS with one, list-form blocks and a computed location", () => {
    expect(
      details("CDC-ATH2", {
        s3: {
          name: "a",
          configuration: {
            result_configuration: {
              output_location: "s3://results/athena/",
              encryption_configuration: { encryption_option: "SSE_S3" },
            },
          },
        },
        cse: {
          name: "b",
          configuration: [
            {
              result_configuration: [
                {
                  output_location: "${local.results_uri}",
                  encryption_configuration: [
                    { encryption_option: "CSE_KMS", kms_key_arn: "arn:aws:kms:us-east-1:123456789012:key/k" },
                  ],
                },
              ],
            },
          ],
        },
      }),
    ).toEqual({});
  });

  it("CDC-ATH2 flags missing results, location and encryption, naming each problem", () => {
    expect(
      details("CDC-ATH2", {
        noConfig: { name: "a" },
        noResults: { name: "b", configuration: { enforce_workgroup_configuration: true } },
        empty: { name: "c", configuration: { result_configuration: {} } },
      }),
    ).toEqual({
      noConfig:
        "Workgroup a: configuration.result_configuration: got no block; expected one with output_location " +
        "and encryption_configuration.",
      noResults:
        "Workgroup b: configuration.result_configuration: got no block; expected one with output_location " +
        "and encryption_configuration.",
      empty:
        "Workgroup c: configuration.result_configuration.output_location: got nothing; expected an s3:// URI " +
        "(s3://bucket/prefix/). configuration.result_configuration.encryption_configuration.encryption_option: " +
        "got nothing; expected SSE_S3, SSE_KMS or CSE_KMS.",
    });
  });

  it("CDC-ATH2 flags a location that is not S3, an unknown or lower-case option, and a KMS option without key", () => {
    const results = (result_configuration: Json) => ({
      name: "cdc",
      configuration: { result_configuration },
    });
    const encrypted = { encryption_configuration: { encryption_option: "SSE_S3" } };
    const inS3 = { output_location: "s3://results/" };
    expect(
      details("CDC-ATH2", {
        https: results({ output_location: "https://results.example/", ...encrypted }),
        bucketless: results({ output_location: "s3://", ...encrypted }),
        none: results({ ...inS3, encryption_configuration: { encryption_option: "NONE" } }),
        // The provider validates the option case-sensitively.
        lower: results({ ...inS3, encryption_configuration: { encryption_option: "sse_s3" } }),
        computed: results({ ...inS3, encryption_configuration: { encryption_option: "${var.option}" } }),
        sseKms: results({ ...inS3, encryption_configuration: { encryption_option: "SSE_KMS" } }),
        cseKms: results({
          ...inS3,
          encryption_configuration: { encryption_option: "CSE_KMS", kms_key_arn: " " },
        }),
      }),
    ).toEqual({
      https:
        'Workgroup cdc: configuration.result_configuration.output_location: got "https://results.example/"; ' +
        "expected an s3:// URI (s3://bucket/prefix/).",
      bucketless:
        'Workgroup cdc: configuration.result_configuration.output_location: got "s3://"; expected an s3:// URI ' +
        "(s3://bucket/prefix/).",
      none:
        'Workgroup cdc: configuration.result_configuration.encryption_configuration.encryption_option: got "NONE"; ' +
        "expected SSE_S3, SSE_KMS or CSE_KMS.",
      lower:
        "Workgroup cdc: configuration.result_configuration.encryption_configuration.encryption_option: got " +
        '"sse_s3"; expected SSE_S3, SSE_KMS or CSE_KMS.',
      computed:
        "Workgroup cdc: configuration.result_configuration.encryption_configuration.encryption_option: got " +
        '"${var.option}"; expected SSE_S3, SSE_KMS or CSE_KMS.',
      sseKms:
        "Workgroup cdc: configuration.result_configuration.encryption_configuration.kms_key_arn: got nothing " +
        "with SSE_KMS; expected the ARN of the KMS key.",
      cseKms:
        'Workgroup cdc: configuration.result_configuration.encryption_configuration.kms_key_arn: got " " ' +
        "with CSE_KMS; expected the ARN of the KMS key.",
    });
  });

  it("CDC-ATH3 accepts the provider's minimum, 10485760 bytes, as a number or a decimal string", () => {
    expect(
      details("CDC-ATH3", {
        minimum: { name: "a", configuration: { bytes_scanned_cutoff_per_query: 10_485_760 } },
        text: { name: "b", configuration: [{ bytes_scanned_cutoff_per_query: "10737418240" }] },
      }),
    ).toEqual({});
  });

  it("CDC-ATH3 flags no cutoff, 0 (no limit), one under the minimum and a value Terraform computes", () => {
    const cutoff = (value: unknown) => ({
      name: "cdc",
      configuration: { bytes_scanned_cutoff_per_query: value },
    });
    const path = "Workgroup cdc: configuration.bytes_scanned_cutoff_per_query";
    expect(
      details("CDC-ATH3", {
        noConfig: { name: "cdc" },
        unset: { name: "cdc", configuration: { enforce_workgroup_configuration: true } },
        zero: cutoff(0),
        zeroText: cutoff("0"),
        under: cutoff(10_485_759),
        computed: cutoff("${var.cutoff}"),
      }),
    ).toEqual({
      noConfig: `${path}: got nothing; expected at least 10485760 (10 MiB).`,
      unset: `${path}: got nothing; expected at least 10485760 (10 MiB).`,
      zero: `${path}: got 0, no limit; expected at least 10485760 (10 MiB).`,
      zeroText: `${path}: got 0, no limit; expected at least 10485760 (10 MiB).`,
      under: `${path}: got 10485759; expected at least 10485760 (10 MiB).`,
      computed: `${path}: got "\${var.cutoff}", computed by Terraform; expected a literal number of at least 10485760 (10 MiB).`,
    });
  });

  it("judge the JSON cdktf synthesizes from @cdktf/provider-aws's AthenaWorkgroup, in the finding's line", () => {
    const app = Testing.app();
    const synthesized = new TerraformStack(app, "s");
    new AthenaWorkgroup(synthesized, "Compliant", {
      name: "good",
      configuration: {
        bytesScannedCutoffPerQuery: 1_073_741_824,
        resultConfiguration: {
          outputLocation: "s3://results/athena/",
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      },
    });
    new AthenaWorkgroup(synthesized, "Lax", {
      name: "lax",
      configuration: {
        enforceWorkgroupConfiguration: false,
        resultConfiguration: {
          outputLocation: "s3://results/athena/",
          encryptionConfiguration: { encryptionOption: "CSE_KMS" },
        },
      },
    });
    const aspect = new GuardrailsAspect(ALL_RULES, []);
    aspect.visit(synthesized);
    expect(aspect.findings.map(formatFinding)).toEqual([
      `CDC-ATH1 error s/Lax: ${rule("CDC-ATH1").cause} Workgroup lax: configuration.enforce_workgroup_configuration: ` +
        `got false; expected true. Fix: ${rule("CDC-ATH1").fix}`,
      `CDC-ATH2 error s/Lax: ${rule("CDC-ATH2").cause} Workgroup lax: configuration.result_configuration.` +
        "encryption_configuration.kms_key_arn: got nothing with CSE_KMS; expected the ARN of the KMS key. " +
        `Fix: ${rule("CDC-ATH2").fix}`,
      `CDC-ATH3 warning s/Lax: ${rule("CDC-ATH3").cause} Workgroup lax: configuration.bytes_scanned_cutoff_per_query: ` +
        `got nothing; expected at least 10485760 (10 MiB). Fix: ${rule("CDC-ATH3").fix}`,
    ]);
  });
});
