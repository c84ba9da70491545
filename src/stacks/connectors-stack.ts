import { Annotations, Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type { CapturedTableConfig, ConnectorsConfig } from "../config/pipeline-config";
import { ConnectorPlugin } from "../constructs/msk-connect/connector-plugin";
import { DebeziumSource } from "../constructs/msk-connect/debezium-source";
import { KafkaClusterArns } from "../constructs/msk-connect/kafka-cluster-arns";
import type { MskConnectPlacement } from "../constructs/msk-connect/msk-connector";
import { S3Sink } from "../constructs/msk-connect/s3-sink";
import { ReplicationSlotLifecycle } from "../constructs/postgres/replication-slot-lifecycle";
import { PrivateBucket } from "../constructs/storage/private-bucket";
import { ConfigProblems } from "../errors";
import { debeziumTopics } from "../kafka-connect/debezium-settings";
import { TOPICS_DIR } from "../kafka-connect/s3-sink-settings";
import { type PluginArtifact, pluginWarnings } from "../plugins/inspect-plugin";
import type { CaptureReady } from "./database-stack";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack";

export const DEBEZIUM_PLUGIN = "debezium-postgres";
export const S3_SINK_PLUGIN = "s3-sink";

export interface ConnectorsStackProps extends PipelineStackProps {
  readonly naming: Naming;
  readonly connectors: ConnectorsConfig;
  readonly tables: readonly CapturedTableConfig[];
  readonly databaseName: string;
  /** Replication factor of the topics Debezium creates (the cluster's default). */
  readonly replicationFactor: number;
  readonly logRetentionDays: number;
  /** The plugin bucket follows the lake's settings. */
  readonly pluginBucket: { readonly forceDestroy: boolean; readonly noncurrentVersionDays: number };
  /**
   * The plugins with their pins (connectors.lock.json) and Terraform paths: every one is declared, with or
   * without its zip on disk; the plan refuses a plugin whose pin is unrecorded or whose zip is missing or
   * not the pinned one.
   */
  readonly plugins: readonly PluginArtifact[];
  /** From the platform stack. */
  readonly platform: {
    readonly kafkaClusterArn: string;
    readonly bootstrapBrokers: string;
    readonly workloadSubnetIds: readonly string[];
    readonly connectorsSecurityGroupId: string;
    readonly databaseAddress: string;
    readonly databasePort: number;
    readonly lakeBucketName: string;
    readonly lakeBucketArn: string;
    /** The lake's KMS key, when the pipeline has its own. */
    readonly keyArn?: string;
  };
  /** From the database stack: ready once grants, publication, slot and secret exist. */
  readonly capture: CaptureReady;
  /**
   * Where the machine that runs `destroy` reaches PostgreSQL to drop the replication slot
   * (database.connectThrough); the RDS endpoint when absent.
   */
  readonly databaseConnectThrough?: { readonly host: string; readonly port: number };
}

/**
 * A plugin the app was given no description of (a test building the app with no plugins): declared all
 * the same, unpinned, so the plan refuses it, and synth says so.
 */
function undescribedPlugin(pluginId: string): PluginArtifact {
  const file = `${pluginId}.zip`;
  return {
    state: "unpinned",
    spec: { id: pluginId, description: pluginId, file, connectorClass: "", sources: [] },
    terraformPath: `../../../connectors/${file}`,
  };
}

/**
 * Terraform addresses of the connectors' role, worker configuration and logs before the connector
 * constructs owned them (issue 9): `moved` blocks keep a deployed pipeline's resources, including the
 * worker configurations, which can be neither deleted nor re-created under their name.
 */
const PREVIOUS_ADDRESSES = {
  debezium: {
    role: "aws_iam_role.DebeziumRole_0A7FB530",
    rolePolicy: "aws_iam_role_policy.DebeziumRole_Permissions_8A7520CC",
    workerConfiguration: "aws_mskconnect_worker_configuration.DebeziumWorkerConfiguration_B4072993",
    logGroup: "aws_cloudwatch_log_group.Logs-debezium-source_4646C9EA",
  },
  s3Sink: {
    role: "aws_iam_role.S3SinkRole_F812F7EE",
    rolePolicy: "aws_iam_role_policy.S3SinkRole_Permissions_288321AC",
    workerConfiguration: "aws_mskconnect_worker_configuration.S3SinkWorkerConfiguration_62A694F6",
    logGroup: "aws_cloudwatch_log_group.Logs-s3-sink_156D07A5",
  },
} as const;

/**
 * Kafka Connect keeps a connector's configuration (and each task's) as one record of its config topic, and
 * the worker's producer refuses a record over its max.request.size, 1 MiB unless set otherwise. MSK Connect's
 * API sets no size of its own on connectorConfiguration (a map of strings).
 * @see https://kafka.apache.org/documentation/#producerconfigs_max.request.size
 */
export const CONNECT_CONFIG_RECORD_MAX_BYTES = 1_048_576;
/** Room kept for the configuration's keys and values that do not grow with tables, and the record's framing. */
export const CONNECT_CONFIG_FIXED_RESERVE_BYTES = 16_384;

/**
 * The problem with the connector configuration values that grow with the captured tables (Debezium's
 * `table.include.list`, the sink's `topics`), in the words of the config, or undefined when they fit.
 */
export function connectorConfigurationProblem(
  tables: readonly { schema: string; table: string }[],
  topics: readonly string[],
): string | undefined {
  const allowed = CONNECT_CONFIG_RECORD_MAX_BYTES - CONNECT_CONFIG_FIXED_RESERVE_BYTES;
  const values = [
    ["the Debezium source's table.include.list", tables.map((t) => `${t.schema}.${t.table}`).join(",")],
    ["the S3 sink's topics", topics.join(",")],
  ] as const;
  for (const [what, value] of values) {
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > allowed) {
      return (
        `capture.tables: got ${tables.length} tables; ${what} would be ${bytes.toLocaleString("en-US")} bytes, ` +
        `over the ${allowed.toLocaleString("en-US")} a connector configuration has room for (Kafka Connect stores it ` +
        `as one record of at most ${CONNECT_CONFIG_RECORD_MAX_BYTES.toLocaleString("en-US")} bytes, the ` +
        "producer's max.request.size): capture fewer tables, or shorter names, per pipeline"
      );
    }
  }
  return undefined;
}

/**
 * `<env>-connectors`: the seed's two connectors on MSK Connect (Kafka Connect 2.7.1): Debezium reads the
 * database stack's publication through its slot and writes one topic per table; the S3 sink writes those
 * topics to the data lake as JSON. AWS provider only: applying it needs no path to PostgreSQL; destroying it
 * does (the replication slot is dropped once the connector is gone).
 */
export class ConnectorsStack extends PipelineStack {
  readonly debezium: DebeziumSource;
  readonly s3Sink: S3Sink;
  /** The change topics, one per captured table: what Debezium writes and the sink reads. */
  readonly topics: readonly string[];

  constructor(scope: Construct, id: string, props: ConnectorsStackProps) {
    super(scope, id, props);
    const { naming, connectors, platform } = props;
    this.topics = debeziumTopics({ topicPrefix: connectors.topicPrefix, tables: props.tables });
    const configurationProblem = connectorConfigurationProblem(props.tables, this.topics);
    if (configurationProblem) throw new ConfigProblems([configurationProblem]);

    // Plugins: named and keyed by their pins, so the stack is complete with or without the zips on disk;
    // their uploads' preconditions refuse the plan until each zip is there and is the pinned one.
    const pluginBucket = new PrivateBucket(this, "PluginBucket", {
      bucketPrefix: naming.pluginBucketPrefix(),
      forceDestroy: props.pluginBucket.forceDestroy,
      versioning: { noncurrentVersionDays: props.pluginBucket.noncurrentVersionDays },
    });
    const undescribed = [DEBEZIUM_PLUGIN, S3_SINK_PLUGIN].filter(
      (pluginId) => !props.plugins.some((p) => p.spec.id === pluginId),
    );
    const artifacts = [...props.plugins, ...undescribed.map(undescribedPlugin)];
    for (const warning of pluginWarnings(props.plugins)) Annotations.of(this).addWarning(warning);
    if (undescribed.length > 0) {
      Annotations.of(this).addWarning(
        `the app was given no description of the connector plugin(s) ${undescribed.join(", ")}: declared unpinned, so the plan refuses them`,
      );
    }
    const plugin = (pluginId: string) => {
      const artifact = artifacts.find((p) => p.spec.id === pluginId) as PluginArtifact;
      return new ConnectorPlugin(this, `Plugin-${pluginId}`, {
        name: (zipHash) => naming.customPlugin(pluginId, zipHash),
        artifact,
        bucket: pluginBucket,
      });
    };
    const debeziumPlugin = plugin(DEBEZIUM_PLUGIN);
    const sinkPlugin = plugin(S3_SINK_PLUGIN);

    const kafka = new KafkaClusterArns(platform.kafkaClusterArn);
    // Where both connectors run: the platform's workload subnets and connectors' group.
    const placement: MskConnectPlacement = {
      bootstrapServers: platform.bootstrapBrokers,
      subnetIds: platform.workloadSubnetIds,
      securityGroupIds: [platform.connectorsSecurityGroupId],
    };
    const connector = (kind: "debezium-source" | "s3-sink") => ({
      connectorName: naming.connector(kind),
      roleName: naming.connectorRole(kind),
      workerConfigurationName: (contentHash: string) => naming.workerConfiguration(kind, contentHash),
      logGroupName: naming.connectorLogGroup(kind),
      logRetentionDays: props.logRetentionDays,
      kafka,
      placement,
    });

    this.debezium = new DebeziumSource(this, "Debezium", {
      ...connector("debezium-source"),
      plugin: debeziumPlugin,
      region: props.region,
      jsonSchemas: connectors.jsonSchemas,
      offsetTopic: naming.debeziumOffsetTopic(),
      credentialsSecretArn: props.capture.cdcSecretArn,
      // A rotated password (a new secret version, set on the role first) replaces the connector.
      credentialsVersion: props.capture.cdcSecretVersionId,
      mcuCount: connectors.source.mcuCount,
      terraform: { join: Fn.join },
      settings: {
        databaseHost: platform.databaseAddress,
        databasePort: Fn.tostring(platform.databasePort),
        databaseName: props.databaseName,
        credentialsSecretName: props.capture.cdcSecretName,
        heartbeatTable: props.capture.heartbeatTable,
        publicationName: props.capture.publicationName,
        slotName: props.capture.replicationSlotName,
        topicPrefix: connectors.topicPrefix,
        tables: props.tables,
        snapshotMode: connectors.snapshotMode,
        heartbeatIntervalMs: connectors.heartbeatIntervalMs,
        replicationFactor: props.replicationFactor,
      },
    });
    this.debezium.movedFrom(PREVIOUS_ADDRESSES.debezium);
    // The slot lives and dies with its reader: Debezium creates it on first start; destroy deletes the
    // connector first, then drops the slot (psql, from the machine that runs destroy).
    new ReplicationSlotLifecycle(this, "ReplicationSlot", {
      slotName: props.capture.replicationSlotName,
      connection: {
        host: props.databaseConnectThrough?.host ?? platform.databaseAddress,
        port: props.databaseConnectThrough?.port ?? platform.databasePort,
        database: props.databaseName,
      },
      credentialsSecretArn: props.capture.cdcSecretArn,
      region: props.region,
    }).readBy(this.debezium.connector);

    this.s3Sink = new S3Sink(this, "S3Sink", {
      ...connector("s3-sink"),
      plugin: sinkPlugin,
      jsonSchemas: connectors.jsonSchemas,
      bucketArn: platform.lakeBucketArn,
      bucketKeyArn: platform.keyArn,
      capacity: connectors.sink.capacity,
      topicPrefix: connectors.topicPrefix,
      settings: {
        topics: this.topics,
        bucketName: platform.lakeBucketName,
        region: props.region,
        flushSize: connectors.flushSize,
        rotateScheduleIntervalMs: connectors.rotateScheduleIntervalMs,
      },
      // The sink reads what the source creates: start it second.
      after: [this.debezium.connector],
    });
    this.s3Sink.movedFrom(PREVIOUS_ADDRESSES.s3Sink);

    new TerraformOutput(this, "change_topics", {
      value: this.topics,
      description: "Kafka topics, one per table",
    });
    new TerraformOutput(this, "plugin_bucket_name", {
      value: pluginBucket.name,
      description: "Connector plugin zips",
    });
    new TerraformOutput(this, "debezium_connector_arn", { value: this.debezium.arn });
    new TerraformOutput(this, "s3_sink_connector_arn", { value: this.s3Sink.arn });
    new TerraformOutput(this, "lake_prefix", {
      value: `s3://${platform.lakeBucketName}/${TOPICS_DIR}/`,
      description: "Where the change events land: <topic>/year=/month=/day=/hour=/ JSON objects",
    });
  }
}
