import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { buildZip, readZipDirectory, readZipEntry } from "../../src/plugins/zip";
import {
  byPath,
  DEMO_CONFIG,
  demoWith,
  refTo,
  single,
  synthesize,
  type TerraformJson,
} from "../support/synth";
import { writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-connectors-"));
const zips = writeConnectorsDir(join(root, "connectors"));
const demo = synthesize(loadConfigFile(DEMO_CONFIG), { connectorsDir: zips.dir });
const stack = demo.stacks["demo-connectors"] ?? {};
afterAll(() => {
  demo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const PLATFORM = "data.terraform_remote_state.cross-stack-reference-input-demo-platform.outputs";
const DATABASE = "data.terraform_remote_state.cross-stack-reference-input-demo-database.outputs";
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const connectors = byPath(stack, "aws_mskconnect_connector");
const debezium = connectors["demo-connectors/Debezium/Resource"] as TerraformJson;
const sink = connectors["demo-connectors/S3Sink/Resource"] as TerraformJson;

describe("demo-connectors: plugins", () => {
  const plugins = byPath(stack, "aws_mskconnect_custom_plugin");
  const objects = byPath(stack, "aws_s3_object");

  it("uploads each zip under a key holding its sha256, and names the plugin from it", () => {
    for (const [id, path] of Object.entries(zips.plugins)) {
      const hash = sha256(path);
      expect(objects[`demo-connectors/Plugin-${id}/Zip`]).toMatchObject({
        bucket: refTo(stack, "demo-connectors/PluginBucket/Resource", "bucket"),
        key: `plugins/${id}/${hash}.zip`,
        source: path,
        source_hash: hash,
      });
      expect(plugins[`demo-connectors/Plugin-${id}/Resource`]).toMatchObject({
        name: `cdc-lake-demo-${id}-${hash.slice(0, 8)}`,
        content_type: "ZIP",
        location: {
          s3: {
            bucket_arn: refTo(stack, "demo-connectors/PluginBucket/Resource", "arn"),
            file_key: refTo(stack, `demo-connectors/Plugin-${id}/Zip`, "key"),
          },
        },
      });
    }
  });

  it("makes a new plugin when the zip changes", () => {
    const other = writeConnectorsDir(join(root, "other"));
    // Same manifest, different bytes: rebuild the sink zip uncompressed.
    const path = other.plugins["s3-sink"] as string;
    const entries = readZipDirectory(path).map((e) => ({ name: e.name, data: readZipEntry(path, e.name) }));
    writeFileSync(path, buildZip(entries, { compress: false }));
    const changed = synthesize(loadConfigFile(DEMO_CONFIG), { connectorsDir: other.dir });
    const before = byPath(stack, "aws_mskconnect_custom_plugin")["demo-connectors/Plugin-s3-sink/Resource"]
      ?.name;
    const after = byPath(changed.stacks["demo-connectors"] ?? {}, "aws_mskconnect_custom_plugin")[
      "demo-connectors/Plugin-s3-sink/Resource"
    ]?.name;
    expect(after).not.toBe(before);
    changed.cleanup();
  });

  it("keeps the zips in their own private bucket", () => {
    expect(single(stack, "aws_s3_bucket")).toMatchObject({ bucket_prefix: "cdc-lake-demo-plugins-" });
    expect(single(stack, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_policy: true });
  });
});

describe("demo-connectors: both connectors", () => {
  it("run Kafka Connect 2.7.1 with IAM authentication and TLS, set explicitly", () => {
    for (const connector of [debezium, sink]) {
      expect(connector).toMatchObject({
        kafkaconnect_version: "2.7.1",
        kafka_cluster_client_authentication: { authentication_type: "IAM" },
        kafka_cluster_encryption_in_transit: { encryption_type: "TLS" },
      });
    }
  });

  it("autoscale as the seed does: 1 MCU, 1 to 2 workers, CPU thresholds", () => {
    expect(debezium.capacity).toEqual({
      autoscaling: {
        mcu_count: 1,
        min_worker_count: 1,
        max_worker_count: 2,
        scale_in_policy: { cpu_utilization_percentage: 20 },
        scale_out_policy: { cpu_utilization_percentage: 80 },
      },
    });
  });

  it("reach MSK over its IAM brokers from the connectors' group and subnets", () => {
    expect(debezium.kafka_cluster.apache_kafka_cluster).toEqual({
      bootstrap_servers: `\${${PLATFORM}.cross-stack-output-aws_msk_clusterKafka_DE2CE4FAbootstrap_brokers_sasl_iam}`,
      vpc: {
        security_groups: [
          `\${${PLATFORM}.cross-stack-output-aws_security_groupConnectorsSecurityGroup_EFDF6914id}`,
        ],
        subnets: expect.any(Array),
      },
    });
  });

  it("log to CloudWatch groups with retention", () => {
    const groups = byPath(stack, "aws_cloudwatch_log_group");
    expect(Object.values(groups).map((g) => [g.name, g.retention_in_days])).toEqual([
      ["/cdc-lake/demo/msk-connect/debezium-source", 7],
      ["/cdc-lake/demo/msk-connect/s3-sink", 7],
    ]);
    expect(debezium.log_delivery.worker_log_delivery.cloudwatch_logs).toEqual({
      enabled: true,
      log_group: refTo(stack, "demo-connectors/Debezium/Logs/Resource", "name"),
    });
  });

  it("are replaced, not updated, when their configuration changes (provider issue 47004)", () => {
    const tracker = stack.resource.terraform_data.Debezium_Configuration_F28AF76C;
    expect(tracker.input).toEqual(debezium.connector_configuration);
    expect(debezium.lifecycle).toEqual({
      replace_triggered_by: ["terraform_data.Debezium_Configuration_F28AF76C"],
    });
    expect(sink.lifecycle.replace_triggered_by).toEqual(["terraform_data.S3Sink_Configuration_7D2B49ED"]);
  });

  it("start the sink after the source", () => {
    expect(sink.depends_on).toEqual(["aws_mskconnect_connector.Debezium_43DF331C"]);
  });

  it("keep a deployed pipeline's roles, worker configurations and logs: moved from their previous addresses", () => {
    // Before the connector constructs owned them, these were children of the stack. Without the moves,
    // Terraform would re-create them, and a worker configuration cannot be re-created under its name.
    const to = (path: string) => refTo(stack, path, "x").slice(2, -3);
    expect(stack.moved).toEqual(
      expect.arrayContaining([
        { from: "aws_iam_role.DebeziumRole_0A7FB530", to: to("demo-connectors/Debezium/Role/Resource") },
        {
          from: "aws_iam_role_policy.DebeziumRole_Permissions_8A7520CC",
          to: to("demo-connectors/Debezium/Role/Permissions"),
        },
        {
          from: "aws_mskconnect_worker_configuration.DebeziumWorkerConfiguration_B4072993",
          to: to("demo-connectors/Debezium/WorkerConfiguration/Resource"),
        },
        {
          from: "aws_cloudwatch_log_group.Logs-debezium-source_4646C9EA",
          to: to("demo-connectors/Debezium/Logs/Resource"),
        },
        { from: "aws_iam_role.S3SinkRole_F812F7EE", to: to("demo-connectors/S3Sink/Role/Resource") },
        {
          from: "aws_iam_role_policy.S3SinkRole_Permissions_288321AC",
          to: to("demo-connectors/S3Sink/Role/Permissions"),
        },
        {
          from: "aws_mskconnect_worker_configuration.S3SinkWorkerConfiguration_62A694F6",
          to: to("demo-connectors/S3Sink/WorkerConfiguration/Resource"),
        },
        {
          from: "aws_cloudwatch_log_group.Logs-s3-sink_156D07A5",
          to: to("demo-connectors/S3Sink/Logs/Resource"),
        },
      ]),
    );
    expect(stack.moved).toHaveLength(8);
  });
});

describe("demo-connectors: Debezium", () => {
  const config = debezium.connector_configuration;

  it("reads the database stack's publication through its slot, creating neither", () => {
    expect(config).toMatchObject({
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "tasks.max": "1",
      "plugin.name": "pgoutput",
      "publication.name": `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputpublication_name}`,
      "publication.autocreate.mode": "disabled",
      "slot.name": `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputreplication_slot_name}`,
      "slot.drop.on.stop": "false",
      "table.include.list": "public.student",
      "topic.prefix": "cdc-lake-demo",
      "database.dbname": "msk_db",
      "database.sslmode": "require",
    });
  });

  it("logs in with the CDC role's secret, by name, through the config provider, never a literal", () => {
    const secret = `${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputcdc_secret_name`;
    expect(config["database.user"]).toBe(`\${join("", ["$\${secretsmanager:", ${secret}, ":username}"])}`);
    expect(config["database.password"]).toBe(
      `\${join("", ["$\${secretsmanager:", ${secret}, ":password}"])}`,
    );
    // A connector setting: without it MSK Connect restarts the connector on each provider refresh.
    expect(config["config.action.reload"]).toBe("none");
  });

  it("beats through the database stack's heartbeat table, so the slot advances on a quiet database", () => {
    expect(config["heartbeat.action.query"]).toBe(
      `UPDATE \${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputheartbeat_table} SET beat_at = now() WHERE id = 1`,
    );
    expect(config["table.include.list"]).not.toContain("heartbeat");
  });

  it("sends heartbeats, keeps decimals exact in JSON, and creates replicated topics", () => {
    expect(config).toMatchObject({
      "heartbeat.interval.ms": "60000",
      "decimal.handling.mode": "string",
      "tombstones.on.delete": "true",
      "topic.creation.default.replication.factor": "3",
      "topic.creation.default.partitions": "1",
      "snapshot.mode": "initial",
    });
  });

  it("has a worker configuration named from its content: JSON without schemas, the Secrets Manager provider", () => {
    const worker = byPath(stack, "aws_mskconnect_worker_configuration")[
      "demo-connectors/Debezium/WorkerConfiguration/Resource"
    ] as TerraformJson;
    const content = worker.properties_file_content as string;
    expect(worker.name).toBe(`cdc-lake-demo-debezium-source-worker-${sha256Text(content).slice(0, 8)}`);
    expect(content.trim().split("\n")).toEqual([
      "config.providers=secretsmanager",
      "config.providers.secretsmanager.class=com.amazonaws.kafka.config.providers.SecretsManagerConfigProvider",
      "config.providers.secretsmanager.param.region=us-east-1",
      "key.converter=org.apache.kafka.connect.json.JsonConverter",
      "key.converter.schemas.enable=false",
      "offset.storage.topic=cdc-lake-demo-debezium-source.offsets",
      "value.converter=org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable=false",
    ]);
    expect(debezium.worker_configuration).toEqual({
      arn: refTo(stack, "demo-connectors/Debezium/WorkerConfiguration/Resource", "arn"),
      revision: refTo(stack, "demo-connectors/Debezium/WorkerConfiguration/Resource", "latest_revision"),
    });
  });

  it("embeds schemas when the config asks", () => {
    const withSchemas = synthesize(
      demoWith((d) => (d.connectors = { jsonSchemas: true })),
      { connectorsDir: zips.dir },
    );
    const worker = byPath(withSchemas.stacks["demo-connectors"] ?? {}, "aws_mskconnect_worker_configuration")[
      "demo-connectors/Debezium/WorkerConfiguration/Resource"
    ];
    expect(worker?.properties_file_content).toContain("value.converter.schemas.enable=true");
    withSchemas.cleanup();
  });
});

function sha256Text(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

describe("demo-connectors: S3 sink", () => {
  const config = sink.connector_configuration;

  it("reads exactly the topics Debezium writes (one source of truth)", () => {
    expect(config.topics).toBe("cdc-lake-demo.public.student");
    const multi = synthesize(
      demoWith((d) => {
        d.capture.tables.push({
          schema: "sales",
          table: "orders",
          columns: [{ name: "id", type: "int", primaryKey: true }],
        });
        d.connectors = { topicPrefix: "shop" };
      }),
      { connectorsDir: zips.dir },
    );
    const json = byPath(multi.stacks["demo-connectors"] ?? {}, "aws_mskconnect_connector");
    const source = json["demo-connectors/Debezium/Resource"]?.connector_configuration;
    const target = json["demo-connectors/S3Sink/Resource"]?.connector_configuration;
    const written = (source["table.include.list"] as string)
      .split(",")
      .map((t) => `${source["topic.prefix"]}.${t}`);
    expect(target.topics.split(",")).toEqual(written);
    expect(written).toEqual(["shop.public.student", "shop.sales.orders"]);
    multi.cleanup();
  });

  it("commits offsets, and so checks its rotation, every 10 s (the bound on the delay to S3)", () => {
    const worker = byPath(stack, "aws_mskconnect_worker_configuration")[
      "demo-connectors/S3Sink/WorkerConfiguration/Resource"
    ] as TerraformJson;
    expect(worker.properties_file_content).toContain("offset.flush.interval.ms=10000\n");
  });

  it("writes plain JSON to the lake bucket, partitioned by hour, within a bounded delay", () => {
    expect(config).toMatchObject({
      "connector.class": "io.confluent.connect.s3.S3SinkConnector",
      "s3.bucket.name": `\${${PLATFORM}.cross-stack-output-aws_s3_bucketDataLake_E54831B2bucket}`,
      "s3.region": "us-east-1",
      "topics.dir": "cdc",
      "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
      "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
      "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
      "partition.duration.ms": "3600000",
      timezone: "UTC",
      "flush.size": "1000",
      "rotate.schedule.interval.ms": "60000",
    });
  });

  it("leaves encryption to the bucket (SSE-KMS with the pipeline's key), sending no header of its own", () => {
    expect(config["s3.ssea.name"]).toBeUndefined();
  });

  it("ignores Debezium's tombstones instead of failing on them", () => {
    expect(config["behavior.on.null.values"]).toBe("ignore");
  });
});

describe("demo-connectors: execution roles", () => {
  const documents = stack.data.aws_iam_policy_document as Record<string, TerraformJson>;
  const cluster = `\${${PLATFORM}.cross-stack-output-aws_msk_clusterKafka_DE2CE4FAarn}`;
  const arnOf = (kind: string, name: string) =>
    `\${replace(${PLATFORM}.cross-stack-output-aws_msk_clusterKafka_DE2CE4FAarn, ":cluster/", ":${kind}/")}/${name}`;
  /** The policy document at a construct path (logical ids carry a hash; paths are what we name). */
  const documentAt = (path: string) => {
    const doc = Object.values(documents).find((d) => d["//"].metadata.path === path);
    if (!doc) throw new Error(`no policy document at ${path}`);
    return doc;
  };
  const statements = (path: string) =>
    Object.fromEntries((documentAt(path).statement as TerraformJson[]).map((s) => [s.sid, s]));

  it("may be assumed by MSK Connect only, for their own connector", () => {
    const trust = documentAt("demo-connectors/Debezium/Role/TrustPolicy").statement[0];
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["kafkaconnect.amazonaws.com"] }]);
    expect(trust.condition.map((c: TerraformJson) => c.variable)).toEqual([
      "aws:SourceAccount",
      "aws:SourceArn",
    ]);
    expect(trust.condition[1].values[0]).toMatch(/:connector\/cdc-lake-demo-debezium-source\/\*$/);
  });

  it("let Debezium write only its topics and read only its secret", () => {
    const s = statements("demo-connectors/Debezium/Role/PermissionsPolicy");
    expect(s.Cluster?.resources).toEqual([cluster]);
    expect(s.ChangeAndHeartbeatTopics).toMatchObject({
      actions: ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
      resources: [
        arnOf("topic", "cdc-lake-demo.public.student"),
        arnOf("topic", "__debezium-heartbeat.cdc-lake-demo"),
      ],
    });
    expect(s.CdcRoleCredentials).toMatchObject({
      actions: ["secretsmanager:GetSecretValue"],
      resources: [`\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputcdc_secret_arn}`],
    });
    // Only its own internal topics and its fixed offset topic: not another connector's offsets.
    expect(s.ConnectInternalTopics?.resources).toEqual([
      arnOf("topic", "__amazon_msk_connect_*_cdc-lake-demo-debezium-source_*"),
    ]);
    expect(s.OffsetTopic?.resources).toEqual([arnOf("topic", "cdc-lake-demo-debezium-source.offsets")]);
    expect(s.ConnectGroups?.resources).toEqual([arnOf("group", "__amazon_msk_connect_*")]);
    expect(Object.keys(s).sort()).toEqual([
      "CdcRoleCredentials",
      "ChangeAndHeartbeatTopics",
      "Cluster",
      "ConnectGroups",
      "ConnectInternalTopics",
      "OffsetTopic",
    ]);
  });

  it("let the sink read only the change topics and write only under the lake's cdc/ prefix", () => {
    const s = statements("demo-connectors/S3Sink/Role/PermissionsPolicy");
    const lake = `\${${PLATFORM}.cross-stack-output-aws_s3_bucketDataLake_E54831B2arn}`;
    expect(s.ChangeTopics).toMatchObject({
      actions: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
      resources: [arnOf("topic", "cdc-lake-demo.public.student")],
    });
    expect(s.LakeObjects?.resources).toEqual([`${lake}/cdc/*`]);
    expect(s.LakeBucket?.resources).toEqual([lake]);
    expect(s.ConnectGroups?.resources).toEqual([
      arnOf("group", "__amazon_msk_connect_*"),
      arnOf("group", "connect-cdc-lake-demo-s3-sink"),
    ]);
    expect(JSON.stringify(s)).not.toContain("secretsmanager");
    // The pipeline's key serves RDS and MSK too: the sink may use it only through S3.
    expect(s.LakeKey).toMatchObject({
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: ["s3.us-east-1.amazonaws.com"] },
      ],
    });
  });

  it("never grant a bare '*' action or resource", () => {
    for (const document of Object.values(documents)) {
      for (const statement of document.statement as TerraformJson[]) {
        expect(statement.actions ?? []).not.toContain("*");
        expect(statement.resources ?? []).not.toContain("*");
      }
    }
  });
});

describe("demo-connectors: missing zips", () => {
  const missing = synthesize(loadConfigFile(DEMO_CONFIG), { connectorsDir: join(root, "absent") });
  const json = missing.stacks["demo-connectors"] ?? {};
  afterAll(() => missing.cleanup());

  it("declares no plugin or connector, and a check whose precondition refuses the plan", () => {
    expect(json.resource.aws_mskconnect_connector).toBeUndefined();
    expect(json.resource.aws_mskconnect_custom_plugin).toBeUndefined();
    const check = json.resource.terraform_data.PluginZipsCheck;
    expect(check.lifecycle.precondition).toEqual([
      {
        condition: "${length(local.missing_connector_zips) == 0}",
        error_message: json.locals.missing_connector_zips.join("\n"),
      },
    ]);
    expect(json.locals.missing_connector_zips).toEqual([
      `${join(root, "absent")}/debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
      `${join(root, "absent")}/confluentinc-kafka-connect-s3-10.6.7.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
    ]);
  });
});
