import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { formatLock, lockForManifest } from "../../src/plugins/lock";
import { loadManifest } from "../../src/plugins/manifest";
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
import { withPins, writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-connectors-"));
const zips = writeConnectorsDir(join(root, "connectors"));
/** Synth with the fixture zips in `dir`, pinned by `lockFile` (default: the fixtures' own pins). */
const synthWithZips = (config: Parameters<typeof synthesize>[0], dir = zips.dir, lockFile = zips.lockFile) =>
  withPins(lockFile, () => synthesize(config, { connectorsDir: dir }));
const demo = synthWithZips(loadConfigFile(DEMO_CONFIG));
const stack = demo.stacks["demo-connectors"] ?? {};
afterAll(() => {
  demo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const S3_SINK_ZIP = "confluentinc-kafka-connect-s3-10.6.7.zip";
/** The connectors stack's warnings, as cdktf writes them in manifest.json (and the CLI prints them). */
const warningsOf = (synth: { outdir: string }): string[] =>
  JSON.parse(readFileSync(join(synth.outdir, "manifest.json"), "utf8")).stacks[
    "demo-connectors"
  ].annotations.map((a: { message: string }) => a.message);
const PLATFORM = "data.terraform_remote_state.cross-stack-reference-input-demo-platform.outputs";
const DATABASE = "data.terraform_remote_state.cross-stack-reference-input-demo-database.outputs";
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const connectors = byPath(stack, "aws_mskconnect_connector");
const debezium = connectors["demo-connectors/Debezium/Resource"] as TerraformJson;
const sink = connectors["demo-connectors/S3Sink/Resource"] as TerraformJson;

describe("demo-connectors: plugins", () => {
  const plugins = byPath(stack, "aws_mskconnect_custom_plugin");
  const objects = byPath(stack, "aws_s3_object");

  it("uploads each zip under a key holding its pinned sha256, and names the plugin from it", () => {
    for (const [id, path] of Object.entries(zips.plugins)) {
      const hash = sha256(path);
      expect(zips.lock[path.split("/").pop() as string]?.sha256).toBe(hash);
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

  it("makes a new plugin when the pin changes, and only then: a local zip never changes the identity", () => {
    const other = writeConnectorsDir(join(root, "other"));
    // Same manifest, different bytes: rebuild the sink zip uncompressed.
    const path = other.plugins["s3-sink"] as string;
    const entries = readZipDirectory(path).map((e) => ({ name: e.name, data: readZipEntry(path, e.name) }));
    writeFileSync(path, buildZip(entries, { compress: false }));
    const sinkOf = (json: TerraformJson) =>
      byPath(json, "aws_mskconnect_custom_plugin")["demo-connectors/Plugin-s3-sink/Resource"]?.name;
    // The other zip with the old pins: the same plugin (and the plan refuses the zip).
    const sameRepo = synthWithZips(loadConfigFile(DEMO_CONFIG), other.dir);
    expect(sinkOf(sameRepo.stacks["demo-connectors"] ?? {})).toBe(sinkOf(stack));
    sameRepo.cleanup();
    // Its pin updated (as --update-pin records it): a new plugin.
    const lockFile = join(root, "other.lock.json");
    const lock = { ...zips.lock, [S3_SINK_ZIP]: { sha256: sha256(path), url: "https://example.test" } };
    writeFileSync(lockFile, formatLock(lock));
    const changed = synthWithZips(loadConfigFile(DEMO_CONFIG), other.dir, lockFile);
    expect(sinkOf(changed.stacks["demo-connectors"] ?? {})).toBe(
      `cdc-lake-demo-s3-sink-${sha256(path).slice(0, 8)}`,
    );
    expect(sinkOf(changed.stacks["demo-connectors"] ?? {})).not.toBe(sinkOf(stack));
    changed.cleanup();
  });

  it("refuses the plan unless the zip is there and is the pinned one (preconditions on the upload)", () => {
    const upload = objects["demo-connectors/Plugin-s3-sink/Zip"] as TerraformJson;
    const pin = zips.lock[S3_SINK_ZIP]?.sha256;
    const local = "local.connector_zip_s3_sink";
    expect(stack.locals.connector_zip_s3_sink).toEqual({ path: zips.plugins["s3-sink"], sha256: pin });
    expect(upload.lifecycle.precondition).toEqual([
      {
        condition: `\${try(fileexists(${local}.path), false)}`,
        error_message: `${zips.dir}/${S3_SINK_ZIP} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
      },
      {
        condition: `\${try(filesha256(${local}.path), ${local}.sha256) == ${local}.sha256}`,
        error_message: `${zips.dir}/${S3_SINK_ZIP} is not the zip pinned in ${zips.lockFile}: its sha256 is \${try(filesha256(${local}.path), "unreadable")}, expected ${pin}. Delete it and run npm run connectors:fetch; if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin ${S3_SINK_ZIP}`,
      },
    ]);
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

  it("run Debezium on one provisioned worker (one task), and autoscale the sink as the seed does", () => {
    expect(debezium.capacity).toEqual({ provisioned_capacity: { mcu_count: 1, worker_count: 1 } });
    expect(sink.capacity).toEqual({
      autoscaling: {
        mcu_count: 1,
        min_worker_count: 1,
        max_worker_count: 2,
        scale_in_policy: { cpu_utilization_percentage: 20 },
        scale_out_policy: { cpu_utilization_percentage: 80 },
      },
    });
  });

  it("size each from its own setting: connectors.source.mcuCount, connectors.sink.capacity", () => {
    const sized = synthWithZips(
      demoWith((d) => {
        d.connectors = { source: { mcuCount: 2 }, sink: { capacity: { mcuCount: 4, maxWorkerCount: 5 } } };
      }),
    );
    const json = byPath(sized.stacks["demo-connectors"] ?? {}, "aws_mskconnect_connector");
    expect(json["demo-connectors/Debezium/Resource"]?.capacity).toEqual({
      provisioned_capacity: { mcu_count: 2, worker_count: 1 },
    });
    expect(json["demo-connectors/S3Sink/Resource"]?.capacity.autoscaling).toMatchObject({
      mcu_count: 4,
      min_worker_count: 1,
      max_worker_count: 5,
    });
    sized.cleanup();
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
    const { credentials_secret_version: _, ...configuration } = tracker.input;
    expect(configuration).toEqual(debezium.connector_configuration);
    expect(debezium.lifecycle).toEqual({
      replace_triggered_by: ["terraform_data.Debezium_Configuration_F28AF76C"],
    });
    expect(sink.lifecycle.replace_triggered_by).toEqual(["terraform_data.S3Sink_Configuration_7D2B49ED"]);
    expect(stack.resource.terraform_data.S3Sink_Configuration_7D2B49ED.input).toEqual(
      sink.connector_configuration,
    );
  });

  it("replace Debezium when the CDC password rotates: its tracker holds the database stack's secret version", () => {
    const tracker = stack.resource.terraform_data.Debezium_Configuration_F28AF76C;
    expect(tracker.input.credentials_secret_version).toBe(
      `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputcdc_secret_version_id}`,
    );
    // Not in the configuration MSK Connect shows: that names the secret only.
    expect(JSON.stringify(debezium.connector_configuration)).not.toContain("cdc_secret_version_id");
  });

  it("start after their role's policy, and the sink after the source", () => {
    expect(debezium.depends_on).toEqual([
      "aws_iam_role_policy.Debezium_Role_Permissions_BCAE58B0",
      "terraform_data.ReplicationSlot_4CEBE375",
    ]);
    expect(sink.depends_on).toEqual([
      "aws_iam_role_policy.S3Sink_Role_Permissions_707B3F59",
      "aws_mskconnect_connector.Debezium_43DF331C",
    ]);
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

  it("reads the database stack's publication through its slot, creating neither; captures the tables and the canary", () => {
    expect(config).toMatchObject({
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "tasks.max": "1",
      "plugin.name": "pgoutput",
      "publication.name": `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputpublication_name}`,
      "publication.autocreate.mode": "disabled",
      "slot.name": `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputreplication_slot_name}`,
      "slot.drop.on.stop": "false",
      // The configured tables, then the pipeline's canary (in capture.heartbeatSchema) for npm run verify.
      "table.include.list": "public.student,cdc.cdc_lake_canary",
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
      // A wrong secret name fails loudly instead of becoming an empty password (0.1.0 defaults to ignore).
      "config.providers.secretsmanager.param.NotFoundStrategy=fail",
      "config.providers.secretsmanager.param.region=us-east-1",
      // kafka.t3.small brokers accept 4 new IAM connections per second: back off on reconnects.
      "consumer.reconnect.backoff.max.ms=10000",
      "consumer.reconnect.backoff.ms=1000",
      "key.converter=org.apache.kafka.connect.json.JsonConverter",
      "key.converter.schemas.enable=false",
      "offset.storage.topic=cdc-lake-demo-debezium-source.offsets",
      "producer.reconnect.backoff.max.ms=10000",
      "producer.reconnect.backoff.ms=1000",
      "reconnect.backoff.max.ms=10000",
      "reconnect.backoff.ms=1000",
      "value.converter=org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable=false",
    ]);
    expect(debezium.worker_configuration).toEqual({
      arn: refTo(stack, "demo-connectors/Debezium/WorkerConfiguration/Resource", "arn"),
      revision: refTo(stack, "demo-connectors/Debezium/WorkerConfiguration/Resource", "latest_revision"),
    });
  });

  it("embeds schemas when the config asks", () => {
    const withSchemas = synthWithZips(demoWith((d) => (d.connectors = { jsonSchemas: true })));
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

  it("reads exactly the topics Debezium writes, the canary's included (one source of truth)", () => {
    expect(config.topics).toBe("cdc-lake-demo.public.student,cdc-lake-demo.cdc.cdc_lake_canary");
    const multi = synthWithZips(
      demoWith((d) => {
        d.capture.tables.push({
          schema: "sales",
          table: "orders",
          columns: [{ name: "id", type: "int", primaryKey: true }],
        });
        d.capture.topicPrefix = "shop";
      }),
    );
    const json = byPath(multi.stacks["demo-connectors"] ?? {}, "aws_mskconnect_connector");
    const source = json["demo-connectors/Debezium/Resource"]?.connector_configuration;
    const target = json["demo-connectors/S3Sink/Resource"]?.connector_configuration;
    const written = (source["table.include.list"] as string)
      .split(",")
      .map((t) => `${source["topic.prefix"]}.${t}`);
    expect(target.topics.split(",")).toEqual(written);
    expect(written).toEqual(["shop.public.student", "shop.sales.orders", "shop.cdc.cdc_lake_canary"]);
    multi.cleanup();
  });

  it("commits offsets, and so checks its rotation, every 10 s (the bound on the delay to S3)", () => {
    const worker = byPath(stack, "aws_mskconnect_worker_configuration")[
      "demo-connectors/S3Sink/WorkerConfiguration/Resource"
    ] as TerraformJson;
    expect(worker.properties_file_content).toContain("offset.flush.interval.ms=10000\n");
    const lines = (worker.properties_file_content as string).split("\n");
    for (const prefix of ["", "producer.", "consumer."]) {
      expect(lines).toContain(`${prefix}reconnect.backoff.ms=1000`);
      expect(lines).toContain(`${prefix}reconnect.backoff.max.ms=10000`);
    }
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
      resources: [arnOf("topic", "cdc-lake-demo.*"), arnOf("topic", "__debezium-heartbeat.cdc-lake-demo")],
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
      resources: [arnOf("topic", "cdc-lake-demo.*")],
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

describe("demo-connectors: a fresh clone (no zips on disk, no pin recorded)", () => {
  // The repository's lock as committed today: every pin null.
  const lockFile = join(root, "unrecorded.lock.json");
  writeFileSync(lockFile, formatLock(lockForManifest(loadManifest(), {})));
  const absent = join(root, "absent");
  const fresh = synthWithZips(loadConfigFile(DEMO_CONFIG), absent, lockFile);
  const json = fresh.stacks["demo-connectors"] ?? {};
  afterAll(() => fresh.cleanup());
  const names = (type: string) => Object.keys(byPath(json, type)).sort();

  it("declares the whole stack: both plugins and connectors, their roles, policies, worker configurations and logs", () => {
    expect(names("aws_mskconnect_custom_plugin")).toEqual([
      "demo-connectors/Plugin-debezium-postgres/Resource",
      "demo-connectors/Plugin-s3-sink/Resource",
    ]);
    expect(names("aws_s3_object")).toEqual([
      "demo-connectors/Plugin-debezium-postgres/Zip",
      "demo-connectors/Plugin-s3-sink/Zip",
    ]);
    expect(names("aws_mskconnect_connector")).toEqual([
      "demo-connectors/Debezium/Resource",
      "demo-connectors/S3Sink/Resource",
    ]);
    expect(names("aws_iam_role")).toEqual([
      "demo-connectors/Debezium/Role/Resource",
      "demo-connectors/S3Sink/Role/Resource",
    ]);
    expect(names("aws_iam_role_policy")).toEqual([
      "demo-connectors/Debezium/Role/Permissions",
      "demo-connectors/S3Sink/Role/Permissions",
    ]);
    expect(names("aws_mskconnect_worker_configuration")).toHaveLength(2);
    expect(names("aws_cloudwatch_log_group")).toEqual([
      "demo-connectors/Debezium/Logs/Resource",
      "demo-connectors/S3Sink/Logs/Resource",
    ]);
    // The same connectors, roles and outputs as with the zips: only the plugins' identity differs.
    const without = ({ "//": _, ...r }: TerraformJson) => r;
    for (const type of ["aws_iam_role", "aws_iam_role_policy", "aws_cloudwatch_log_group"]) {
      expect(Object.values<TerraformJson>(json.resource[type]).map(without)).toEqual(
        Object.values<TerraformJson>(stack.resource[type]).map(without),
      );
    }
    expect(Object.keys(json.output).sort()).toEqual(Object.keys(stack.output).sort());
  });

  it("reads the platform's and the database's outputs, so it depends on both stacks", () => {
    expect(Object.keys(json.data.terraform_remote_state).sort()).toEqual([
      "cross-stack-reference-input-demo-database",
      "cross-stack-reference-input-demo-platform",
    ]);
    const manifest = JSON.parse(readFileSync(join(fresh.outdir, "manifest.json"), "utf8"));
    expect(manifest.stacks["demo-connectors"].dependencies.sort()).toEqual([
      "demo-database",
      "demo-platform",
    ]);
    const connector = byPath(json, "aws_mskconnect_connector")["demo-connectors/Debezium/Resource"];
    expect(connector?.connector_configuration["slot.name"]).toBe(
      `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputreplication_slot_name}`,
    );
  });

  it("keys and names the plugins as unpinned, and reads each zip by its path relative to the stack folder", () => {
    const upload = byPath(json, "aws_s3_object")["demo-connectors/Plugin-s3-sink/Zip"];
    expect(upload).toMatchObject({
      key: "plugins/s3-sink/unpinned.zip",
      source_hash: "unpinned",
      source: `${absent}/${S3_SINK_ZIP}`,
    });
    expect(
      byPath(json, "aws_mskconnect_custom_plugin")["demo-connectors/Plugin-s3-sink/Resource"]?.name,
    ).toBe("cdc-lake-demo-s3-sink-unpinned");
  });

  it("refuses the plan while a pin is unrecorded, saying how to record it", () => {
    const upload = byPath(json, "aws_s3_object")["demo-connectors/Plugin-debezium-postgres/Zip"];
    expect(upload?.lifecycle.precondition).toEqual([
      {
        condition: '${local.connector_zip_debezium_postgres.sha256 != "unpinned"}',
        error_message: `the sha256 of debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip is not recorded in ${lockFile} yet: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it, then synthesize again`,
      },
    ]);
  });

  it("warns once, in one line naming every unrecorded pin", () => {
    const warnings = warningsOf(fresh);
    expect(warnings).toEqual([
      `${lockFile} has no sha256 recorded yet for debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip, ${S3_SINK_ZIP}: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it; until then the connectors stack's plan refuses`,
    ]);
  });
});

describe("demo-connectors: pinned, zips missing", () => {
  const missing = synthWithZips(loadConfigFile(DEMO_CONFIG), join(root, "absent-pinned"));
  const json = missing.stacks["demo-connectors"] ?? {};
  afterAll(() => missing.cleanup());

  it("is the same stack as with the zips, bar the paths, and warns once per missing zip", () => {
    const plugins = byPath(json, "aws_mskconnect_custom_plugin");
    expect(Object.values(plugins).map((p) => p.name)).toEqual(
      Object.values(byPath(stack, "aws_mskconnect_custom_plugin")).map((p) => p.name),
    );
    expect(warningsOf(missing)).toEqual([
      `${join(root, "absent-pinned")}/debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
      `${join(root, "absent-pinned")}/${S3_SINK_ZIP} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
    ]);
  });
});

describe("demo-connectors: an app given no plugin descriptions (buildPipelineApp(config, []))", () => {
  it("still declares both plugins and connectors, unpinned, and says so", () => {
    const outdir = mkdtempSync(join(root, "no-plugins-"));
    buildPipelineApp(loadConfigFile(DEMO_CONFIG), [], { outdir }).app.synth();
    const json = JSON.parse(readFileSync(join(outdir, "stacks", "demo-connectors", "cdk.tf.json"), "utf8"));
    expect(
      Object.values<TerraformJson>(json.resource.aws_mskconnect_custom_plugin).map((p) => p.name),
    ).toEqual(["cdc-lake-demo-debezium-postgres-unpinned", "cdc-lake-demo-s3-sink-unpinned"]);
    expect(Object.keys(json.resource.aws_mskconnect_connector)).toHaveLength(2);
    expect(warningsOf({ outdir })).toEqual([
      "the app was given no description of the connector plugin(s) debezium-postgres, s3-sink: declared unpinned, so the plan refuses them",
    ]);
  });
});

describe("demo-connectors: the replication slot ends with Debezium", () => {
  const slot = stack.resource.terraform_data.ReplicationSlot_4CEBE375;

  it("drops Debezium's slot after the connector is deleted, reaching PostgreSQL as the database stack does", () => {
    expect(slot.input).toEqual({
      slot_name: `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputreplication_slot_name}`,
      host: `\${${PLATFORM}.cross-stack-output-aws_db_instanceDatabase_B269D8BBaddress}`,
      port: `\${${PLATFORM}.cross-stack-output-aws_db_instanceDatabase_B269D8BBport}`,
      database: "msk_db",
      credentials_secret_arn: `\${${DATABASE}.cross-stack-output-terraform_dataCaptureReadyoutputcdc_secret_arn}`,
      region: "us-east-1",
    });
    expect(slot.provisioner.map((p: TerraformJson) => p["local-exec"].when)).toEqual(["destroy"]);
    expect(debezium.depends_on).toContain("terraform_data.ReplicationSlot_4CEBE375");
  });

  it("reaches PostgreSQL through database.connectThrough when the config sets it", () => {
    const tunnel = synthWithZips(
      demoWith((d) => (d.database.connectThrough = { host: "localhost", port: 15432 })),
    );
    const input = tunnel.stacks["demo-connectors"]?.resource.terraform_data.ReplicationSlot_4CEBE375.input;
    expect(input).toMatchObject({ host: "localhost", port: 15432 });
    tunnel.cleanup();
  });
});
