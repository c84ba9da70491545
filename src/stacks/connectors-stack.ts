import { Annotations, DataResource, Fn, TerraformLocal, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type { CapturedTableConfig, ConnectorsConfig } from "../config/pipeline-config";
import { ConnectorPlugin } from "../constructs/msk-connect/connector-plugin";
import { DebeziumSource } from "../constructs/msk-connect/debezium-source";
import { KafkaClusterArns } from "../constructs/msk-connect/kafka-cluster-arns";
import type { MskConnectPlacement } from "../constructs/msk-connect/msk-connector";
import { S3Sink } from "../constructs/msk-connect/s3-sink";
import { PrivateBucket } from "../constructs/storage/private-bucket";
import { debeziumTopics } from "../kafka-connect/debezium-settings";
import { TOPICS_DIR } from "../kafka-connect/s3-sink-settings";
import type { PluginArtifact } from "../plugins/inspect-plugin";
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
  /** The plugin zips as inspected at synth: ready ones are uploaded, missing ones make the plan refuse. */
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
 * `<env>-connectors`: the seed's two connectors on MSK Connect (Kafka Connect 2.7.1): Debezium reads the
 * database stack's publication through its slot and writes one topic per table; the S3 sink writes those
 * topics to the data lake as JSON. AWS provider only.
 */
export class ConnectorsStack extends PipelineStack {
  readonly debezium?: DebeziumSource;
  readonly s3Sink?: S3Sink;
  /** The change topics, one per captured table: what Debezium writes and the sink reads. */
  readonly topics: readonly string[];

  constructor(scope: Construct, id: string, props: ConnectorsStackProps) {
    super(scope, id, props);
    const { naming, connectors, platform } = props;
    this.topics = debeziumTopics({ topicPrefix: connectors.topicPrefix, tables: props.tables });

    // Plugin zips: uploaded and registered when present and valid; otherwise the plan refuses, with the
    // same message synth warned with, before any other resource is evaluated.
    const pluginBucket = new PrivateBucket(this, "PluginBucket", {
      bucketPrefix: naming.pluginBucketPrefix(),
      forceDestroy: props.pluginBucket.forceDestroy,
      versioning: { noncurrentVersionDays: props.pluginBucket.noncurrentVersionDays },
    });
    const plugins = new Map<string, ConnectorPlugin>();
    const missing: string[] = [];
    for (const artifact of props.plugins) {
      if (artifact.state === "ready") {
        plugins.set(
          artifact.spec.id,
          new ConnectorPlugin(this, `Plugin-${artifact.spec.id}`, {
            name: (zipHash) => naming.customPlugin(artifact.spec.id, zipHash),
            artifact,
            bucket: pluginBucket,
          }),
        );
      } else {
        missing.push(artifact.message);
        Annotations.of(this).addWarning(artifact.message);
      }
    }
    if (missing.length > 0) {
      // Terraform wants a condition that refers to something: the list of missing zips, as a local.
      const missingZips = new TerraformLocal(this, "missing_connector_zips", missing);
      new DataResource(this, "PluginZipsCheck", {
        input: { missing_connector_zips: missingZips.expression },
        lifecycle: {
          precondition: [
            {
              condition: `\${length(local.${missingZips.friendlyUniqueId}) == 0}`,
              errorMessage: missing.join("\n"),
            },
          ],
        },
      });
    }

    const kafka = new KafkaClusterArns(platform.kafkaClusterArn);
    // Where and how big both connectors run: the platform's workload subnets and connectors' group.
    const placement: MskConnectPlacement = {
      bootstrapServers: platform.bootstrapBrokers,
      subnetIds: platform.workloadSubnetIds,
      securityGroupIds: [platform.connectorsSecurityGroupId],
      capacity: connectors.capacity,
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

    const debeziumPlugin = plugins.get(DEBEZIUM_PLUGIN);
    if (debeziumPlugin) {
      this.debezium = new DebeziumSource(this, "Debezium", {
        ...connector("debezium-source"),
        plugin: debeziumPlugin,
        region: props.region,
        jsonSchemas: connectors.jsonSchemas,
        offsetTopic: naming.debeziumOffsetTopic(),
        credentialsSecretArn: props.capture.cdcSecretArn,
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
    }

    const sinkPlugin = plugins.get(S3_SINK_PLUGIN);
    if (sinkPlugin) {
      this.s3Sink = new S3Sink(this, "S3Sink", {
        ...connector("s3-sink"),
        plugin: sinkPlugin,
        jsonSchemas: connectors.jsonSchemas,
        bucketArn: platform.lakeBucketArn,
        bucketKeyArn: platform.keyArn,
        settings: {
          topics: this.topics,
          bucketName: platform.lakeBucketName,
          region: props.region,
          flushSize: connectors.flushSize,
          rotateScheduleIntervalMs: connectors.rotateScheduleIntervalMs,
        },
        // The sink reads what the source creates: start it second.
        after: this.debezium ? [this.debezium.connector] : [],
      });
      this.s3Sink.movedFrom(PREVIOUS_ADDRESSES.s3Sink);
    }

    new TerraformOutput(this, "change_topics", {
      value: this.topics,
      description: "Kafka topics, one per table",
    });
    new TerraformOutput(this, "plugin_bucket_name", {
      value: pluginBucket.name,
      description: "Connector plugin zips",
    });
    if (this.debezium) {
      new TerraformOutput(this, "debezium_connector_arn", { value: this.debezium.arn });
    }
    if (this.s3Sink) {
      new TerraformOutput(this, "s3_sink_connector_arn", { value: this.s3Sink.arn });
      new TerraformOutput(this, "lake_prefix", {
        value: `s3://${platform.lakeBucketName}/${TOPICS_DIR}/`,
        description: "Where the change events land: <topic>/year=/month=/day=/hour=/ JSON objects",
      });
    }
  }
}
