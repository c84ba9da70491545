import { createHash } from "node:crypto";
import { Fn } from "cdktf";
import { describe, expect, it } from "vitest";
import { DebeziumSource } from "../../src/constructs/msk-connect/debezium-source";
import { CLUSTER_ARN, connectorProps, only, statements, synthConstruct } from "./msk-connect-fixture";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/postgres/cdc-AbCdEf";
const SECRET_VERSION = "${aws_secretsmanager_secret_version.CdcSecretValue.version_id}";

function synth(overrides: { jsonSchemas?: boolean } = {}) {
  return synthConstruct((scope) => {
    new DebeziumSource(scope, "Debezium", {
      ...connectorProps(scope, "debezium"),
      region: "eu-west-1",
      jsonSchemas: overrides.jsonSchemas ?? false,
      offsetTopic: "t-debezium.offsets",
      credentialsSecretArn: SECRET_ARN,
      credentialsVersion: SECRET_VERSION,
      mcuCount: 2,
      terraform: { join: Fn.join },
      settings: {
        databaseHost: "db.example",
        databasePort: "5432",
        databaseName: "shop",
        credentialsSecretName: "t/postgres/cdc-AbCdEf",
        publicationName: "t_publication",
        slotName: "t_slot",
        topicPrefix: "t",
        tables: [
          { schema: "public", table: "orders" },
          { schema: "sales", table: "items" },
        ],
        snapshotMode: "initial",
        heartbeatIntervalMs: 30000,
        heartbeatTable: "cdc.debezium_heartbeat",
        replicationFactor: 3,
      },
    });
  });
}

describe("DebeziumSource (alone in a stack)", () => {
  const json = synth();
  const connector = only(json, "aws_mskconnect_connector");

  it("configures the PostgreSQL source from its settings, one task, pgoutput, the stack's publication and slot", () => {
    expect(connector.name).toBe("t-debezium");
    expect(connector.description).toBe("Debezium PostgreSQL source: 2 table(s) of shop");
    expect(connector.connector_configuration).toMatchObject({
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "tasks.max": "1",
      "database.hostname": "db.example",
      "database.port": "5432",
      "database.dbname": "shop",
      "database.sslmode": "require",
      "plugin.name": "pgoutput",
      "publication.name": "t_publication",
      "publication.autocreate.mode": "disabled",
      "slot.name": "t_slot",
      "table.include.list": "public.orders,sales.items",
      "heartbeat.interval.ms": "30000",
      "heartbeat.action.query": "UPDATE cdc.debezium_heartbeat SET beat_at = now() WHERE id = 1",
      "topic.creation.default.replication.factor": "3",
      "config.action.reload": "none",
    });
    // The password is a config-provider reference resolved by the worker, never a value.
    expect(connector.connector_configuration["database.password"]).toBe(
      '${join("", ["$${secretsmanager:", "t/postgres/cdc-AbCdEf", ":password}"])}',
    );
  });

  it("runs with IAM and TLS to the cluster, in the given subnets, on one provisioned worker of the given size", () => {
    expect(connector.kafka_cluster_client_authentication).toEqual({ authentication_type: "IAM" });
    expect(connector.kafka_cluster_encryption_in_transit).toEqual({ encryption_type: "TLS" });
    expect(connector.kafka_cluster.apache_kafka_cluster).toEqual({
      bootstrap_servers: "b-1.example:9098",
      vpc: { security_groups: ["sg-1"], subnets: ["subnet-1", "subnet-2"] },
    });
    // One task (one slot reader): more workers would only rebalance.
    expect(connector.capacity).toEqual({ provisioned_capacity: { mcu_count: 2, worker_count: 1 } });
  });

  it("starts after its role's policy, not only its role", () => {
    const policy = Object.keys(json.resource.aws_iam_role_policy);
    expect(policy).toHaveLength(1);
    expect(connector.depends_on).toEqual([`aws_iam_role_policy.${policy[0]}`]);
  });

  it("is replaced when its configuration or its credentials' secret version changes (terraform_data tracker)", () => {
    const tracker = Object.keys(json.resource.terraform_data)[0];
    expect(connector.lifecycle.replace_triggered_by).toEqual([`terraform_data.${tracker}`]);
    expect(json.resource.terraform_data[tracker as string].input).toEqual({
      ...connector.connector_configuration,
      credentials_secret_version: SECRET_VERSION,
    });
    // The version is the tracker's only: the configuration (shown in the console) names the secret alone.
    expect(JSON.stringify(connector.connector_configuration)).not.toContain("version_id");
  });

  it("owns a worker configuration named from its content: converters, the config provider, the offsets topic", () => {
    const worker = only(json, "aws_mskconnect_worker_configuration");
    const content: string = worker.properties_file_content;
    expect(content.split("\n")).toEqual([
      "config.providers=secretsmanager",
      "config.providers.secretsmanager.class=com.amazonaws.kafka.config.providers.SecretsManagerConfigProvider",
      "config.providers.secretsmanager.param.NotFoundStrategy=fail",
      "config.providers.secretsmanager.param.region=eu-west-1",
      "consumer.reconnect.backoff.max.ms=10000",
      "consumer.reconnect.backoff.ms=1000",
      "key.converter=org.apache.kafka.connect.json.JsonConverter",
      "key.converter.schemas.enable=false",
      "offset.storage.topic=t-debezium.offsets",
      "producer.reconnect.backoff.max.ms=10000",
      "producer.reconnect.backoff.ms=1000",
      "reconnect.backoff.max.ms=10000",
      "reconnect.backoff.ms=1000",
      "value.converter=org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable=false",
      "",
    ]);
    const hash = createHash("sha256").update(content).digest("hex").slice(0, 8);
    expect(worker.name).toBe(`t-debezium-worker-${hash}`);
    expect(connector.worker_configuration.arn).toMatch(/^\$\{aws_mskconnect_worker_configuration\./);
    // Other content, other name: worker configurations can be neither updated nor deleted.
    const other = only(synth({ jsonSchemas: true }), "aws_mskconnect_worker_configuration");
    expect(other.properties_file_content).toContain("value.converter.schemas.enable=true");
    expect(other.name).not.toBe(worker.name);
  });

  it("owns its worker log group, with retention", () => {
    const logs = only(json, "aws_cloudwatch_log_group");
    expect(logs).toMatchObject({ name: "/t/debezium", retention_in_days: 30 });
    expect(connector.log_delivery.worker_log_delivery.cloudwatch_logs.enabled).toBe(true);
  });

  it("owns an execution role for this connector only, with exactly the source's permissions", () => {
    const role = only(json, "aws_iam_role");
    expect(role.name).toBe("t-debezium-role");
    const trust = statements(json, "Role/TrustPolicy")[0] as Record<string, any>;
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["kafkaconnect.amazonaws.com"] }]);
    expect(JSON.stringify(trust.condition)).toContain(":connector/t-debezium/*");
    const permissions = statements(json, "Role/PermissionsPolicy");
    expect(permissions.map((s) => s.sid)).toEqual([
      "Cluster",
      "ConnectInternalTopics",
      "ConnectGroups",
      "OffsetTopic",
      "ChangeAndHeartbeatTopics",
      "CdcRoleCredentials",
    ]);
    const bySid = Object.fromEntries(permissions.map((s) => [s.sid, s]));
    expect(bySid.Cluster.resources).toEqual([CLUSTER_ARN]);
    expect(bySid.ConnectInternalTopics.resources[0]).toMatch(
      /:topic\/"\)\}\/__amazon_msk_connect_\*_t-debezium_\*$/,
    );
    expect(bySid.ConnectGroups.resources).toHaveLength(1);
    expect(bySid.OffsetTopic.resources[0]).toMatch(/\/t-debezium\.offsets$/);
    expect(bySid.ChangeAndHeartbeatTopics.actions).toEqual([
      "kafka-cluster:CreateTopic",
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:WriteData",
    ]);
    // The change topics by their prefix (one ARN however many tables), the heartbeat topic by its name.
    expect(bySid.ChangeAndHeartbeatTopics.resources.map((r: string) => r.split("/").pop())).toEqual([
      "t.*",
      "__debezium-heartbeat.t",
    ]);
    expect(bySid.CdcRoleCredentials).toMatchObject({
      actions: ["secretsmanager:GetSecretValue"],
      resources: [SECRET_ARN],
    });
  });

  it("adds no moved blocks unless asked", () => {
    expect(json.moved).toBeUndefined();
  });
});
