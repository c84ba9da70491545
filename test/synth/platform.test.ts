import { afterAll, describe, expect, it } from "vitest";
import { byPath, demoWith, refTo, single, synthesize } from "../support/synth";

const demo = synthesize();
const platform = demo.stacks["demo-platform"] ?? {};
afterAll(() => demo.cleanup());

describe("demo-platform: state and provider", () => {
  it("keeps local state by a relative path inside the project", () => {
    expect(platform.terraform.backend).toEqual({ local: { path: "../../../state/demo-platform.tfstate" } });
  });

  it("requires Terraform/OpenTofu 1.11 or newer", () => {
    expect(platform.terraform.required_version).toBe(">= 1.11.0");
  });

  it("pins the AWS provider the local mirror holds", () => {
    expect(platform.terraform.required_providers.aws).toEqual({ source: "aws", version: "5.100.0" });
  });

  it("tags every resource through default_tags", () => {
    expect(platform.provider.aws).toEqual([
      {
        region: "us-east-1",
        default_tags: [{ tags: { Project: "cdc-lake", Environment: "demo", ManagedBy: "cdktf" } }],
      },
    ]);
  });

  it("uses S3 with native locking and one key per stack when config says so", () => {
    const s3 = synthesize(demoWith((d) => (d.state = { backend: "s3", bucket: "team-tf-state" })));
    expect(s3.stacks["demo-platform"]?.terraform.backend).toEqual({
      s3: {
        bucket: "team-tf-state",
        key: "cdc-lake/demo-platform.tfstate",
        region: "us-east-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
    s3.cleanup();
  });
});

describe("demo-platform: network", () => {
  it("has a VPC with DNS support and hostnames", () => {
    expect(single(platform, "aws_vpc")).toMatchObject({
      cidr_block: "10.0.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });

  it("has one public subnet per AZ, carved from the VPC, without automatic public IPs", () => {
    const subnets = Object.values(byPath(platform, "aws_subnet")).map((s) => [
      s.availability_zone,
      s.cidr_block,
      s.map_public_ip_on_launch,
    ]);
    expect(subnets).toEqual([
      ["us-east-1a", "10.0.0.0/24", false],
      ["us-east-1b", "10.0.1.0/24", false],
      ["us-east-1c", "10.0.2.0/24", false],
    ]);
  });

  it("routes the public subnets to the internet gateway", () => {
    const route = single(platform, "aws_route");
    expect(route.destination_cidr_block).toBe("0.0.0.0/0");
    expect(route.gateway_id).toBe(refTo(platform, "demo-platform/Network/InternetGateway", "id"));
    const table = refTo(platform, "demo-platform/Network/PublicRouteTable", "id");
    const associations = Object.values(byPath(platform, "aws_route_table_association"));
    expect(associations.map((a) => a.route_table_id)).toEqual([table, table, table]);
    expect(associations.map((a) => a.subnet_id)).toEqual(
      ["us-east-1a", "us-east-1b", "us-east-1c"].map((az) =>
        refTo(platform, `demo-platform/Network/PublicSubnet-${az}`, "id"),
      ),
    );
  });

  it("reaches S3 through a gateway endpoint on the public route table", () => {
    expect(byPath(platform, "aws_vpc_endpoint")["demo-platform/Network/S3GatewayEndpoint"]).toMatchObject({
      service_name: "com.amazonaws.us-east-1.s3",
      vpc_endpoint_type: "Gateway",
      route_table_ids: [refTo(platform, "demo-platform/Network/PublicRouteTable", "id")],
    });
  });

  it("reaches Secrets Manager through a private interface endpoint, open to the connectors only", () => {
    const endpoint = byPath(platform, "aws_vpc_endpoint")["demo-platform/Network/SecretsManagerEndpoint"];
    const group = refTo(platform, "demo-platform/Network/SecretsManagerEndpointSecurityGroup/Resource", "id");
    expect(endpoint).toMatchObject({
      service_name: "com.amazonaws.us-east-1.secretsmanager",
      vpc_endpoint_type: "Interface",
      private_dns_enabled: true,
      security_group_ids: [group],
      subnet_ids: ["us-east-1a", "us-east-1b", "us-east-1c"].map((az) =>
        refTo(platform, `demo-platform/Network/PublicSubnet-${az}`, "id"),
      ),
    });
    const ingress = Object.values(byPath(platform, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === group,
    );
    expect(ingress.map((r) => [r.from_port, r.referenced_security_group_id])).toEqual([
      [443, refTo(platform, "demo-platform/ConnectorsSecurityGroup/Resource", "id")],
    ]);
  });

  it("empties the VPC's default security group", () => {
    const group = single(platform, "aws_default_security_group");
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
  });
});

describe("demo-platform: security groups", () => {
  const groups = byPath(platform, "aws_security_group");
  const ingress = Object.values(byPath(platform, "aws_vpc_security_group_ingress_rule"));
  const egress = Object.values(byPath(platform, "aws_vpc_security_group_egress_rule"));
  const db = refTo(platform, "demo-platform/Database/SecurityGroup/Resource", "id");
  const msk = refTo(platform, "demo-platform/Kafka/SecurityGroup/Resource", "id");
  const workers = refTo(platform, "demo-platform/ConnectorsSecurityGroup/Resource", "id");

  it("describes every group and declares no inline rules", () => {
    for (const group of Object.values(groups)) {
      expect(group.description).toMatch(/\S{3,}/);
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
    }
  });

  it("admits PostgreSQL 5432 only from the connectors and the operator CIDR", () => {
    const rules = ingress
      .filter((r) => r.security_group_id === db)
      .map((r) => [r.from_port, r.to_port, r.ip_protocol, r.referenced_security_group_id ?? r.cidr_ipv4]);
    expect(rules).toEqual([
      [5432, 5432, "tcp", workers],
      [5432, 5432, "tcp", "203.0.113.10/32"],
    ]);
  });

  it("admits MSK 9098 only from the connectors", () => {
    const rules = ingress
      .filter((r) => r.security_group_id === msk)
      .map((r) => [r.from_port, r.to_port, r.referenced_security_group_id]);
    expect(rules).toEqual([[9098, 9098, workers]]);
  });

  it("lets the connectors out only to PostgreSQL, MSK, S3 and Secrets Manager", () => {
    expect(egress.every((r) => r.security_group_id === workers)).toBe(true);
    expect(
      egress.map((r) => [r.from_port, r.referenced_security_group_id ?? r.prefix_list_id ?? r.cidr_ipv4]),
    ).toEqual([
      [5432, db],
      [9098, msk],
      [443, refTo(platform, "demo-platform/Network/S3GatewayEndpoint", "prefix_list_id")],
      [443, refTo(platform, "demo-platform/Network/SecretsManagerEndpointSecurityGroup/Resource", "id")],
    ]);
  });

  it("describes every rule", () => {
    for (const rule of [...ingress, ...egress]) expect(rule.description).toMatch(/\S{3,}/);
  });

  it("never opens to 0.0.0.0/0 unless the config says so", () => {
    expect(JSON.stringify(platform.resource.aws_vpc_security_group_ingress_rule)).not.toContain("0.0.0.0/0");
    const open = synthesize(
      demoWith((d) => {
        d.database.allowedCidrs = ["0.0.0.0/0"];
        d.database.allowInternetIngress = true;
      }),
    );
    expect(
      JSON.stringify(open.stacks["demo-platform"]?.resource.aws_vpc_security_group_ingress_rule),
    ).toContain('"cidr_ipv4":"0.0.0.0/0"');
    open.cleanup();
  });
});

describe("demo-platform: PostgreSQL", () => {
  const instance = single(platform, "aws_db_instance");
  const parameterGroup = single(platform, "aws_db_parameter_group");

  it("enables logical replication as a static (pending-reboot) parameter, caps slot WAL, forces TLS", () => {
    expect(parameterGroup.family).toBe("postgres15");
    expect(parameterGroup.parameter).toEqual([
      { name: "rds.logical_replication", value: "1", apply_method: "pending-reboot" },
      { name: "max_slot_wal_keep_size", value: "5120", apply_method: "immediate" },
      { name: "rds.force_ssl", value: "1", apply_method: "immediate" },
    ]);
  });

  it("names the parameter group by prefix and family, so a replacement never collides", () => {
    expect(parameterGroup.name).toBeUndefined();
    expect(parameterGroup.name_prefix).toBe("cdc-lake-demo-postgres-postgres15-");
    expect(parameterGroup.lifecycle).toEqual({ create_before_destroy: true });
  });

  it("attaches the parameter group at creation", () => {
    expect(instance.parameter_group_name).toBe(
      refTo(platform, "demo-platform/Database/ParameterGroup", "name"),
    );
  });

  it("keeps the seed's demo settings, plus storage encryption", () => {
    expect(instance).toMatchObject({
      engine: "postgres",
      engine_version: "15",
      instance_class: "db.t3.micro",
      allocated_storage: 20,
      storage_type: "gp3",
      storage_encrypted: true,
      db_name: "msk_db",
      username: "msk_user",
      port: 5432,
      publicly_accessible: true,
      multi_az: false,
      deletion_protection: false,
      skip_final_snapshot: true,
      backup_retention_period: 1,
      allow_major_version_upgrade: false,
    });
  });

  it("lets RDS manage the master password in Secrets Manager; no password argument exists", () => {
    expect(instance.manage_master_user_password).toBe(true);
    expect(instance.password).toBeUndefined();
    expect(instance.password_wo).toBeUndefined();
  });

  it("lives in a subnet group spanning all public subnets", () => {
    expect(single(platform, "aws_db_subnet_group").subnet_ids).toEqual(
      ["us-east-1a", "us-east-1b", "us-east-1c"].map((az) =>
        refTo(platform, `demo-platform/Network/PublicSubnet-${az}`, "id"),
      ),
    );
  });

  it("defaults to private, Multi-AZ, protected, with a final snapshot", () => {
    const secure = synthesize(
      demoWith((d) => {
        for (const key of [
          "publiclyAccessible",
          "allowedCidrs",
          "multiAz",
          "deletionProtection",
          "skipFinalSnapshot",
        ]) {
          delete d.database[key];
        }
      }),
    );
    expect(single(secure.stacks["demo-platform"] ?? {}, "aws_db_instance")).toMatchObject({
      publicly_accessible: false,
      multi_az: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'cdc-lake-demo-postgres-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
      lifecycle: { ignore_changes: ["final_snapshot_identifier"] },
    });
    secure.cleanup();
  });
});

describe("demo-platform: MSK", () => {
  const cluster = single(platform, "aws_msk_cluster");

  it("runs 3 brokers across the AZs' subnets", () => {
    expect(cluster.number_of_broker_nodes).toBe(3);
    expect(cluster.broker_node_group_info.client_subnets).toHaveLength(3);
    expect(cluster.broker_node_group_info.instance_type).toBe("kafka.t3.small");
    expect(cluster.broker_node_group_info.storage_info.ebs_storage_info.volume_size).toBe(20);
  });

  it("authenticates clients with IAM only", () => {
    expect(cluster.client_authentication).toEqual({
      sasl: { iam: true, scram: false },
      unauthenticated: false,
    });
  });

  it("encrypts in transit between clients and brokers and inside the cluster, and at rest with the pipeline's key", () => {
    expect(cluster.encryption_info).toEqual({
      encryption_at_rest_kms_key_arn: refTo(platform, "demo-platform/Key/Resource", "arn"),
      encryption_in_transit: { client_broker: "TLS", in_cluster: true },
    });
  });

  it("sends broker logs to a CloudWatch log group with retention", () => {
    expect(cluster.logging_info.broker_logs.cloudwatch_logs).toEqual({
      enabled: true,
      log_group: refTo(platform, "demo-platform/BrokerLogs/Resource", "name"),
    });
    expect(byPath(platform, "aws_cloudwatch_log_group")["demo-platform/BrokerLogs/Resource"]).toMatchObject({
      name: "/cdc-lake/demo/msk-broker",
      retention_in_days: 7,
    });
  });

  it("creates topics only on purpose, replicated to survive one broker loss", () => {
    const configuration = single(platform, "aws_msk_configuration");
    expect(configuration.server_properties.split("\n")).toEqual([
      "auto.create.topics.enable=false",
      "default.replication.factor=3",
      "min.insync.replicas=2",
      "unclean.leader.election.enable=false",
    ]);
    expect(cluster.configuration_info).toEqual({
      arn: refTo(platform, "demo-platform/Kafka/Configuration", "arn"),
      revision: refTo(platform, "demo-platform/Kafka/Configuration", "latest_revision"),
    });
  });
});

describe("demo-platform: data lake", () => {
  const bucket = refTo(platform, "demo-platform/DataLake/Resource", "id");

  it("gets a unique name from the naming prefix", () => {
    expect(single(platform, "aws_s3_bucket")).toMatchObject({
      bucket_prefix: "cdc-lake-demo-lake-",
      force_destroy: true,
    });
  });

  it("blocks all public access", () => {
    expect(single(platform, "aws_s3_bucket_public_access_block")).toMatchObject({
      bucket,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("encrypts objects and disables ACLs", () => {
    expect(single(platform, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: refTo(platform, "demo-platform/Key/Resource", "arn"),
        },
        bucket_key_enabled: true,
      },
    ]);
    expect(single(platform, "aws_s3_bucket_ownership_controls").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
  });

  it("denies every request that is not over TLS", () => {
    const documents = Object.entries<Record<string, any>>(platform.data.aws_iam_policy_document).filter(
      ([, d]) => d["//"].metadata.path === "demo-platform/DataLake/TlsOnlyPolicyDocument",
    );
    expect(documents).toHaveLength(1);
    const [logicalId, document] = documents[0] ?? [];
    const arn = refTo(platform, "demo-platform/DataLake/Resource", "arn");
    expect(document?.statement).toEqual([
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [arn, `${arn}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
    const policy = single(platform, "aws_s3_bucket_policy");
    expect(policy.bucket).toBe(bucket);
    expect(policy.policy).toBe(`\${data.aws_iam_policy_document.${logicalId}.json}`);
    expect(policy.depends_on).toEqual([
      `aws_s3_bucket_public_access_block.${refTo(platform, "demo-platform/DataLake/PublicAccessBlock", "id").split(".")[1]}`,
    ]);
  });
});

describe("demo-platform: outputs", () => {
  it("keeps the seed's output names and shapes", () => {
    expect(platform.output.rds.value).toEqual({
      endpoint: refTo(platform, "demo-platform/Database/Resource", "endpoint"),
      address: refTo(platform, "demo-platform/Database/Resource", "address"),
      port: refTo(platform, "demo-platform/Database/Resource", "port"),
      database_name: "msk_db",
      master_username: "msk_user",
      master_user_secret_arn: refTo(
        platform,
        "demo-platform/Database/Resource",
        "master_user_secret[0].secret_arn",
      ),
    });
    expect(platform.output.msk_cluster_bootstrap_brokers_sasl_iam.value).toBe(
      refTo(platform, "demo-platform/Kafka/Resource", "bootstrap_brokers_sasl_iam"),
    );
    expect(platform.output.s3_bucket_name.value).toBe(
      refTo(platform, "demo-platform/DataLake/Resource", "bucket"),
    );
  });

  it("exports what the later stacks need", () => {
    expect(Object.keys(platform.output)).toEqual(
      expect.arrayContaining([
        "rds_master_user_secret_arn",
        "msk_cluster_arn",
        "s3_bucket_arn",
        "vpc_id",
        "subnet_ids",
        "connectors_security_group_id",
        "database_security_group_id",
        "msk_security_group_id",
      ]),
    );
  });
});

describe("secrets", () => {
  it("writes no password or secret value into the JSON", () => {
    const json = JSON.stringify(platform);
    expect(json).not.toMatch(/"(password|master_password|secret_string)"\s*:/i);
    // The seed lab's demo password, assembled so that it is not itself a literal in the repo.
    expect(json).not.toContain(["msk", "password"].join("_"));
  });
});

describe("demo-platform: alarms", () => {
  const alarms = byPath(platform, "aws_cloudwatch_metric_alarm");

  it("alarm on a replication slot retaining half the WAL cap, before PostgreSQL invalidates it", () => {
    expect(alarms["demo-platform/DatabaseAlarms/SlotLag"]).toMatchObject({
      namespace: "AWS/RDS",
      metric_name: "OldestReplicationSlotLag",
      dimensions: { DBInstanceIdentifier: refTo(platform, "demo-platform/Database/Resource", "identifier") },
      comparison_operator: "GreaterThanThreshold",
      threshold: 2560 * 1024 * 1024,
      treat_missing_data: "notBreaching",
    });
  });

  it("alarm when less than a fifth of the storage is free", () => {
    expect(alarms["demo-platform/DatabaseAlarms/FreeStorage"]).toMatchObject({
      metric_name: "FreeStorageSpace",
      comparison_operator: "LessThanThreshold",
      threshold: 20 * 0.2 * 1024 ** 3,
    });
  });
});

describe("demo-platform: RDS log exports", () => {
  it("create the export log groups with retention before the instance, so RDS does not create them without", () => {
    const groups = byPath(platform, "aws_cloudwatch_log_group");
    expect(
      ["postgresql", "upgrade"].map((log) => groups[`demo-platform/Database/Logs-${log}/Resource`]),
    ).toMatchObject([
      { name: "/aws/rds/instance/cdc-lake-demo-postgres/postgresql", retention_in_days: 7 },
      { name: "/aws/rds/instance/cdc-lake-demo-postgres/upgrade", retention_in_days: 7 },
    ]);
    const instance = single(platform, "aws_db_instance");
    expect(instance.enabled_cloudwatch_logs_exports).toEqual(["postgresql", "upgrade"]);
    expect(instance.depends_on).toHaveLength(2);
  });
});
