import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { demoWith, synthesize } from "../support/synth";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";

interface PlannedResource {
  address: string;
  type: string;
  values: Record<string, any>;
}

describeWithTerraform("terraform: demo-platform", (tier) => {
  const demo = synthesize();
  let workdir: StackWorkdir;
  let planned: PlannedResource[];
  let outputChanges: Record<string, { after: any; after_unknown: any }>;

  beforeAll(() => {
    workdir = new StackWorkdir(tier, demo.stackDir("demo-platform"));
    workdir.initWithoutBackend();
  });
  afterAll(() => {
    workdir?.cleanup();
    demo.cleanup();
  });

  it("validates against the AWS provider schema", () => {
    expect(workdir.ok("validate")).toContain("The configuration is valid.");
  });

  it("plans offline, creating every resource and nothing else", () => {
    workdir.prepareOfflinePlan("us-east-1");
    const plan = workdir.offlinePlanJson();
    planned = plan.planned_values.root_module.resources;
    outputChanges = plan.output_changes;
    const actions = new Set(plan.resource_changes.map((c: any) => c.change.actions.join(",")));
    expect([...actions].sort()).toEqual(["create", "read"]);
    const count = (type: string) => planned.filter((r) => r.type === type).length;
    expect({
      vpc: count("aws_vpc"),
      subnets: count("aws_subnet"),
      routeTableAssociations: count("aws_route_table_association"),
      securityGroups: count("aws_security_group"),
      ingressRules: count("aws_vpc_security_group_ingress_rule"),
      egressRules: count("aws_vpc_security_group_egress_rule"),
      dbInstances: count("aws_db_instance"),
      mskClusters: count("aws_msk_cluster"),
      buckets: count("aws_s3_bucket"),
      logGroups: count("aws_cloudwatch_log_group"),
      vpcEndpoints: count("aws_vpc_endpoint"),
    }).toEqual({
      vpc: 1,
      subnets: 3,
      routeTableAssociations: 3,
      securityGroups: 4,
      ingressRules: 4,
      egressRules: 4,
      dbInstances: 1,
      mskClusters: 1,
      buckets: 1,
      logGroups: 4,
      vpcEndpoints: 2,
    });
  });

  it("plans the database for CDC, encrypted, with its password managed by RDS", () => {
    const db = planned.find((r) => r.address === "aws_db_instance.Database_B269D8BB");
    expect(db?.values).toMatchObject({
      identifier: "cdc-lake-demo-postgres",
      engine: "postgres",
      instance_class: "db.t3.micro",
      storage_encrypted: true,
      manage_master_user_password: true,
      publicly_accessible: true,
      username: "msk_user",
      db_name: "msk_db",
    });
    expect(db?.values.password).toBeNull();
    const parameters = planned.find((r) => r.type === "aws_db_parameter_group")?.values.parameter;
    expect(parameters).toEqual(
      expect.arrayContaining([
        { name: "rds.logical_replication", value: "1", apply_method: "pending-reboot" },
        { name: "max_slot_wal_keep_size", value: "5120", apply_method: "immediate" },
      ]),
    );
  });

  it("plans MSK with IAM auth, TLS and broker logs", () => {
    const msk = planned.find((r) => r.type === "aws_msk_cluster")?.values;
    expect(msk?.client_authentication).toEqual([
      { sasl: [{ iam: true, scram: false }], tls: [], unauthenticated: false },
    ]);
    expect(msk?.encryption_info[0].encryption_in_transit).toEqual([
      { client_broker: "TLS", in_cluster: true },
    ]);
    expect(msk?.number_of_broker_nodes).toBe(3);
    expect(planned.find((r) => r.type === "aws_cloudwatch_log_group")?.values).toMatchObject({
      name: "/cdc-lake/demo/msk-broker",
      retention_in_days: 7,
    });
  });

  it("plans the seed's outputs", () => {
    const rds = outputChanges.rds;
    expect(rds?.after).toEqual({ database_name: "msk_db", master_username: "msk_user", port: 5432 });
    expect(rds?.after_unknown).toEqual({ endpoint: true, address: true, master_user_secret_arn: true });
    expect(outputChanges.msk_cluster_bootstrap_brokers_sasl_iam?.after_unknown).toBe(true);
    expect(outputChanges.s3_bucket_name?.after_unknown).toBe(true);
  });

  it("knows both a subnet's zone name and ID as optional and computed: naming the same zone by ID plans no change", () => {
    const schema = JSON.parse(workdir.ok("providers", "schema", "-json"));
    const subnet = Object.values<any>(schema.provider_schemas)[0].resource_schemas.aws_subnet.block
      .attributes;
    for (const attribute of ["availability_zone", "availability_zone_id"]) {
      expect([attribute, subnet[attribute].optional, subnet[attribute].computed]).toEqual([
        attribute,
        true,
        true,
      ]);
    }
  });

  it("validates and plans subnets by zone ID, moved from the names a deployed demo used", () => {
    const moved = synthesize(
      demoWith((d) => {
        delete d.network.availabilityZones;
        d.network.availabilityZoneIds = ["use1-az4", "use1-az6", "use1-az1"];
        d.network.previousAvailabilityZones = ["us-east-1a", "us-east-1b", "us-east-1c"];
      }),
    );
    const copy = new StackWorkdir(tier, moved.stackDir("demo-platform"));
    try {
      copy.initWithoutBackend();
      expect(copy.ok("validate")).toContain("The configuration is valid.");
      copy.prepareOfflinePlan("us-east-1");
      const plan = copy.offlinePlanJson();
      const subnets = plan.planned_values.root_module.resources.filter((r: any) => r.type === "aws_subnet");
      expect(subnets.map((r: any) => r.values.availability_zone_id)).toEqual([
        "use1-az1",
        "use1-az4",
        "use1-az6",
      ]);
    } finally {
      copy.cleanup();
      moved.cleanup();
    }
  });

  it("fails validation when a setting is broken (the tier can fail)", () => {
    const broken = new StackWorkdir(tier, demo.stackDir("demo-platform"));
    try {
      const file = join(broken.dir, "cdk.tf.json");
      const json = JSON.parse(readFileSync(file, "utf8"));
      const brokerLogs = Object.values<any>(json.resource.aws_cloudwatch_log_group).find(
        (g) => g.name === "/cdc-lake/demo/msk-broker",
      );
      brokerLogs.retention_in_days = 8;
      writeFileSync(file, JSON.stringify(json));
      broken.initWithoutBackend();
      const result = broken.run("validate");
      expect(result.code).not.toBe(0);
      expect(result.output).toContain("expected retention_in_days to be one of");
      expect(result.output).toContain("got 8");
    } finally {
      broken.cleanup();
    }
  });
});
