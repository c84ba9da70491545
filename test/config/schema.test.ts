import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { parseConfig } from "../../src/config/parse";
import { DEMO_CONFIG, demoConfigData, managedCapture, managedDatabase, problemsOf } from "../support/synth";

describe("the demo config", () => {
  const config = loadConfigFile(DEMO_CONFIG);

  it("reproduces the seed lab", () => {
    expect(config.region).toBe("us-east-1");
    expect(config.network.vpcCidr).toBe("10.0.0.0/16");
    expect(config.network.publicSubnets).toEqual([
      { zone: { name: "us-east-1a" }, cidr: "10.0.0.0/24" },
      { zone: { name: "us-east-1b" }, cidr: "10.0.1.0/24" },
      { zone: { name: "us-east-1c" }, cidr: "10.0.2.0/24" },
    ]);
    expect(managedDatabase(config)).toMatchObject({
      instanceClass: "db.t3.micro",
      databaseName: "msk_db",
      masterUsername: "msk_user",
      publiclyAccessible: true,
      parameterGroupFamily: "postgres15",
    });
    expect(config.streaming.brokerCount).toBe(3);
    expect(managedCapture(config).tables).toEqual([
      {
        schema: "public",
        table: "student",
        replicaIdentity: "full",
        columns: [
          { name: "id", type: { base: "serial", arrayDimensions: 0 }, nullable: false, primaryKey: true },
          {
            name: "name",
            type: { base: "character varying", length: 100, arrayDimensions: 0 },
            nullable: true,
            primaryKey: false,
          },
        ],
      },
    ]);
  });

  it("derives the names of Debezium's role, publication and slot", () => {
    expect(managedCapture(config)).toMatchObject({
      cdcRoleName: "cdc_lake_demo_cdc",
      publicationName: "cdc_lake_demo_publication",
      slotName: "cdc_lake_demo_slot",
      tableOwner: "msk_user",
      cdcPasswordVersion: 1,
    });
  });

  it("opens PostgreSQL to a single operator address, not the internet", () => {
    expect(managedDatabase(config).allowedCidrs).toEqual(["203.0.113.10/32"]);
    expect(managedDatabase(config).allowInternetIngress).toBe(false);
  });

  it("derives a WAL cap of a quarter of the storage", () => {
    expect(managedDatabase(config).maxSlotWalKeepSizeMiB).toBe(5120);
  });

  it("derives replication settings that survive one broker loss", () => {
    expect(config.streaming.defaultReplicationFactor).toBe(3);
    expect(config.streaming.minInsyncReplicas).toBe(2);
  });
});

describe("defaults", () => {
  const minimal = parseConfig({
    project: "shop",
    environment: "prod",
    region: "eu-west-1",
    database: { databaseName: "orders" },
    capture: { tables: [{ table: "orders" }] },
  });

  it("defaults to secure, reliable settings", () => {
    expect(minimal.database).toMatchObject({
      publiclyAccessible: false,
      allowedCidrs: [],
      multiAz: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      backupRetentionDays: 7,
      masterUsername: "cdc_admin",
    });
    expect(minimal.storage.forceDestroy).toBe(false);
    expect(minimal.logs.retentionDays).toBe(365);
  });

  it("defaults to no operator access and no alarm topic: nothing opened, nothing notified unless declared", () => {
    expect(minimal.network.operatorAccess).toEqual({
      securityGroup: false,
      cidrs: [],
      sessionManager: false,
    });
    expect(minimal.alerts).toEqual({ snsTopicArn: undefined, subscriptions: [] });
  });

  it("defaults to local state in ./state", () => {
    expect(minimal.state).toEqual({ backend: "local", directory: "state" });
  });

  it("defaults the availability zones to a, b and c of the region", () => {
    expect(minimal.network.availabilityZones).toEqual([
      { name: "eu-west-1a" },
      { name: "eu-west-1b" },
      { name: "eu-west-1c" },
    ]);
  });

  it("defaults the captured schema to public with REPLICA IDENTITY FULL", () => {
    expect(managedCapture(minimal).tables).toEqual([
      { schema: "public", table: "orders", replicaIdentity: "full" },
    ]);
  });

  it("derives the parameter group family from the engine version", () => {
    const v16 = parseConfig({
      ...demoConfigData(),
      database: { ...demoConfigData().database, engineVersion: "16" },
    });
    expect(managedDatabase(v16).parameterGroupFamily).toBe("postgres16");
  });
});

describe("invalid configs", () => {
  it("fails on an unknown key, listing the allowed ones", () => {
    expect(problemsOf((d) => (d.network.subnetCidrs = []))).toEqual([
      "network.subnetCidrs: got unknown key; expected one of vpcCidr, availabilityZoneIds, availabilityZones, previousAvailabilityZones, publicSubnetCidrs, workloadSubnets, privateSubnetCidrs, natGateway, flowLogs, operatorAccess",
    ]);
  });

  it("fails on a wrong type", () => {
    expect(problemsOf((d) => (d.database.allocatedStorageGiB = "20"))).toEqual([
      'database.allocatedStorageGiB: got "20"; expected number',
    ]);
  });

  it("fails on a missing required field", () => {
    expect(problemsOf((d) => delete d.database.databaseName)).toEqual([
      "database.databaseName: got nothing; expected string",
    ]);
  });

  it("fails on a malformed CIDR", () => {
    expect(problemsOf((d) => (d.network.vpcCidr = "10.0.0.0/33"))).toEqual([
      'network.vpcCidr: got "10.0.0.0/33"; expected an IPv4 CIDR block such as 10.0.0.0/16',
    ]);
  });

  it("fails on an unknown state backend", () => {
    expect(problemsOf((d) => (d.state = { backend: "gcs" }))).toEqual([
      'state.backend: got "gcs"; expected one of "local", "s3"',
    ]);
  });

  it("fails on a subnet outside the VPC", () => {
    expect(
      problemsOf((d) => (d.network.publicSubnetCidrs = ["10.0.0.0/24", "10.0.1.0/24", "10.1.2.0/24"])),
    ).toEqual([
      'network.publicSubnetCidrs.2: got "10.1.2.0/24"; expected a block inside vpcCidr 10.0.0.0/16',
    ]);
  });

  it("fails on overlapping subnets", () => {
    expect(
      problemsOf((d) => (d.network.publicSubnetCidrs = ["10.0.0.0/24", "10.0.0.128/25", "10.0.2.0/24"])),
    ).toEqual([
      'network.publicSubnetCidrs.1: got "10.0.0.128/25", which overlaps "10.0.0.0/24"; expected disjoint subnets',
    ]);
  });

  it("fails when subnets and zones differ in number", () => {
    expect(problemsOf((d) => (d.network.publicSubnetCidrs = ["10.0.0.0/24", "10.0.1.0/24"]))).toEqual([
      "network.publicSubnetCidrs: got 2 subnets; expected one per availability zone (3)",
    ]);
  });

  it("fails on a zone of another region", () => {
    expect(
      problemsOf((d) => (d.network.availabilityZones = ["us-east-1a", "us-west-2b", "us-east-1c"])),
    ).toEqual([
      'network.availabilityZones.1: got "us-west-2b"; expected a zone of us-east-1 such as us-east-1a',
    ]);
  });

  it("fails when the broker count is not a multiple of the zones", () => {
    expect(problemsOf((d) => (d.streaming.brokerCount = 4))).toEqual([
      "streaming.brokerCount: got 4; expected a multiple of the 3 availability zones",
    ]);
  });

  it("fails on a pinned minor version, which auto minor upgrades would fight", () => {
    expect(problemsOf((d) => (d.database.engineVersion = "15.12"))).toEqual([
      'database.engineVersion: got "15.12"; expected a major version such as 15: RDS applies minor upgrades itself, and a pinned minor would make the next plan try to downgrade',
    ]);
  });

  it("fails on an unsupported PostgreSQL major", () => {
    expect(problemsOf((d) => (d.database.engineVersion = "12"))).toEqual([
      'database.engineVersion: got "12"; expected major version 13, 14, 15, 16, 17',
    ]);
  });

  it("fails on 0.0.0.0/0 without the explicit opt-in", () => {
    expect(problemsOf((d) => (d.database.allowedCidrs = ["0.0.0.0/0"]))).toEqual([
      'database.allowedCidrs.0: got "0.0.0.0/0" (the whole internet); expected your own network, e.g. <your IP>/32, or set database.allowInternetIngress: true',
    ]);
  });

  it("accepts 0.0.0.0/0 with the explicit opt-in", () => {
    expect(
      problemsOf((d) => {
        d.database.allowedCidrs = ["0.0.0.0/0"];
        d.database.allowInternetIngress = true;
      }),
    ).toEqual([]);
  });

  it("fails on a public database in private subnets", () => {
    expect(problemsOf((d) => (d.network.workloadSubnets = "private"))).toEqual([
      'database.publiclyAccessible: got true with network.workloadSubnets "private"; expected network.workloadSubnets: public (a public RDS needs a route to the internet), or publiclyAccessible: false',
    ]);
  });

  it("derives private subnets after the public ones, and checks given ones against them", () => {
    const data = demoConfigData();
    data.database.publiclyAccessible = false;
    data.database.allowedCidrs = [];
    data.network.workloadSubnets = "private";
    expect(parseConfig(data).network.privateSubnets.map((s) => s.cidr)).toEqual([
      "10.0.10.0/24",
      "10.0.11.0/24",
      "10.0.12.0/24",
    ]);
    data.network.privateSubnetCidrs = ["10.0.2.0/24", "10.0.20.0/24", "10.0.21.0/24"];
    expect(() => parseConfig(data, "test.yaml")).toThrowError(
      'network.privateSubnetCidrs.0: got "10.0.2.0/24", which overlaps "10.0.2.0/24"; expected disjoint subnets',
    );
  });

  it("fails on a public database that admits nobody", () => {
    expect(problemsOf((d) => (d.database.allowedCidrs = []))).toEqual([
      "database.allowedCidrs: got none while publiclyAccessible is true; expected at least one operator CIDR (e.g. <your IP>/32), or set publiclyAccessible: false",
    ]);
  });

  it("fails on a WAL cap that could fill the disk", () => {
    expect(problemsOf((d) => (d.database.maxSlotWalKeepSizeMiB = 16384))).toEqual([
      "database.maxSlotWalKeepSizeMiB: got 16384; expected at most 10240 (half of allocatedStorageGiB 20), so retained WAL cannot fill the disk",
    ]);
  });

  it("fails on names longer than AWS allows", () => {
    expect(problemsOf((d) => (d.project = "customer-analytics-platform"))).toEqual([
      'project: got "customer-analytics-platform" with environment "demo": S3 connector-plugin bucket prefix "customer-analytics-platform-demo-plugins-" would be 41 characters; expected at most 37 (shorten project + environment to 28 characters together)',
    ]);
  });

  it("fails on a name AWS would reject", () => {
    expect(problemsOf((d) => (d.environment = "Prod_1"))).toEqual([
      'environment: got "Prod_1"; expected lowercase letters, digits and single hyphens (environment)',
    ]);
  });

  it("fails on an absolute state folder", () => {
    expect(problemsOf((d) => (d.state.directory = "/var/state"))).toEqual([
      'state.directory: got "/var/state"; expected a relative folder inside the project, such as state',
    ]);
  });

  it("fails on a log retention CloudWatch does not accept", () => {
    expect(problemsOf((d) => (d.logs.retentionDays = 10))).toEqual([
      `logs.retentionDays: got 10; expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`,
    ]);
  });

  it("fails on a table captured twice", () => {
    expect(problemsOf((d) => d.capture.tables.push({ schema: "public", table: "student" }))).toEqual([
      "capture.tables.1: got public.student twice; expected each table once",
    ]);
  });

  it("fails on column definitions written as SQL text (they are structured: no SQL passes through)", () => {
    expect(problemsOf((d) => (d.capture.tables[0].columns = "id int); DROP TABLE x; --"))).toEqual([
      `capture.tables.0.columns: got "id int); DROP TABLE x; --"; expected array`,
    ]);
  });

  it("fails when Debezium would log in as the master user", () => {
    expect(problemsOf((d) => (d.capture.cdcRoleName = "msk_user"))).toEqual([
      'capture.cdcRoleName: got "msk_user", the master user; expected a dedicated role for Debezium',
    ]);
  });

  it("refuses a password field: passwords never live in config", () => {
    expect(problemsOf((d) => (d.database.password = "x"))[0]).toMatch(
      /^database\.password: got unknown key;/,
    );
  });

  it("reports every problem of the file, one line each", () => {
    const problems = problemsOf((d) => {
      d.database.port = "5432";
      d.streaming.brokerVolumeGiB = 0;
    });
    expect(problems).toEqual([
      'database.port: got "5432"; expected number',
      "streaming.brokerVolumeGiB: got 0; expected at least 1",
    ]);
  });
});

describe("config files", () => {
  it("names the file and the fix when it does not exist", () => {
    expect(() => loadConfigFile("config/missing.yaml")).toThrowError(
      "config/missing.yaml: invalid pipeline configuration\n  file not found; expected a YAML config file (set PIPELINE_CONFIG, default config/demo.yaml)",
    );
  });
});
