import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Annotations, DataResource, Fn, TerraformLocal, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { PipelineConfig } from "../config/schema";
import { ConnectorExecutionRole } from "../constructs/msk-connect/connector-execution-role";
import { ConnectorPlugin } from "../constructs/msk-connect/connector-plugin";
import { ConnectorWorkerConfiguration } from "../constructs/msk-connect/connector-worker-configuration";
import {
  connectGroup,
  internalTopics,
  KafkaActions,
  KafkaClusterArns,
  MSK_CONNECT_INTERNAL_GROUPS,
} from "../constructs/msk-connect/kafka-cluster-arns";
import { MskConnector } from "../constructs/msk-connect/msk-connector";
import { PipelineLogGroup } from "../constructs/observability/pipeline-log-group";
import { PrivateBucket } from "../constructs/storage/private-bucket";
import {
  debeziumConnectorConfiguration,
  debeziumTopics,
  debeziumWorkerProperties,
} from "../kafka-connect/debezium-settings";
import {
  s3SinkConnectorConfiguration,
  s3SinkWorkerProperties,
  TOPICS_DIR,
} from "../kafka-connect/s3-sink-settings";
import { heartbeatTopic } from "../kafka-connect/topics";
import type { PluginArtifact } from "../plugins/inspect-plugin";
import { configureStateAndVersion } from "./backend";
import type { DatabaseStack } from "./database-stack";
import { type PlatformStack, pipelineTags } from "./platform-stack";

export const DEBEZIUM_PLUGIN = "debezium-postgres";
export const S3_SINK_PLUGIN = "s3-sink";

/**
 * `<env>-connectors`: the seed's two connectors on MSK Connect (Kafka Connect 2.7.1): Debezium reads the
 * database stack's publication through its slot and writes one topic per table; the S3 sink writes those
 * topics to the data lake as JSON. AWS provider only.
 */
export class ConnectorsStack extends TerraformStack {
  readonly debezium?: MskConnector;
  readonly s3Sink?: MskConnector;
  readonly topics: string[];

  constructor(
    scope: Construct,
    id: string,
    config: PipelineConfig,
    platform: PlatformStack,
    database: DatabaseStack,
    artifacts: readonly PluginArtifact[],
  ) {
    super(scope, id);
    const { naming, connectors } = config;
    configureStateAndVersion(this, id, config);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: pipelineTags(config) }] });

    // Plugin zips: uploaded and registered when present and valid; otherwise the plan refuses, with the
    // same message synth warned with, before any other resource is evaluated.
    const pluginBucket = new PrivateBucket(this, "PluginBucket", {
      bucketPrefix: naming.name("plugins-"),
      forceDestroy: config.storage.forceDestroy,
      versioning: { noncurrentVersionDays: config.storage.noncurrentVersionDays },
    });
    const plugins = new Map<string, ConnectorPlugin>();
    const missing: string[] = [];
    for (const artifact of artifacts) {
      if (artifact.state === "ready") {
        plugins.set(
          artifact.spec.id,
          new ConnectorPlugin(this, `Plugin-${artifact.spec.id}`, {
            namePrefix: naming.base,
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

    const kafka = new KafkaClusterArns(platform.kafka.arn);
    // Where and how big both connectors run: the platform's workload subnets and connectors' group.
    const placement = {
      bootstrapServers: platform.kafka.bootstrapBrokersSaslIam,
      subnetIds: platform.workloadSubnetIds,
      securityGroupIds: [platform.connectorsSecurityGroup.id],
      capacity: connectors.capacity,
    };
    const settings = {
      topicPrefix: connectors.topicPrefix,
      tables: config.capture.tables,
    };
    this.topics = debeziumTopics(settings);
    const logGroup = (component: string) =>
      new PipelineLogGroup(this, `Logs-${component}`, {
        name: naming.logGroup(`msk-connect/${component}`),
        retentionDays: config.logs.retentionDays,
      });
    const internal = (connectorName: string, groups: string[]): DataAwsIamPolicyDocumentStatement[] => [
      { sid: "Cluster", effect: "Allow", actions: [...KafkaActions.cluster], resources: [kafka.cluster] },
      {
        sid: "ConnectInternalTopics",
        effect: "Allow",
        actions: [...KafkaActions.internalTopics],
        resources: [kafka.topic(internalTopics(connectorName))],
      },
      {
        sid: "ConnectGroups",
        effect: "Allow",
        actions: [...KafkaActions.groups],
        resources: groups.map((g) => kafka.group(g)),
      },
    ];

    // Debezium PostgreSQL source.
    const debeziumPlugin = plugins.get(DEBEZIUM_PLUGIN);
    if (debeziumPlugin) {
      const name = naming.name("debezium-source");
      // Outside the __amazon_msk_connect_ prefix that AWS suggests cleaning up: losing it means a re-snapshot.
      const offsetTopic = `${name}.offsets`;
      const worker = new ConnectorWorkerConfiguration(this, "DebeziumWorkerConfiguration", {
        namePrefix: naming.name("debezium-source-worker"),
        properties: debeziumWorkerProperties(config.region, connectors.jsonSchemas, offsetTopic),
      });
      const role = new ConnectorExecutionRole(this, "DebeziumRole", {
        roleName: name,
        connectorName: name,
        kafka,
        statements: [
          ...internal(name, [MSK_CONNECT_INTERNAL_GROUPS]),
          {
            sid: "OffsetTopic",
            effect: "Allow",
            actions: [...KafkaActions.internalTopics],
            resources: [kafka.topic(offsetTopic)],
          },
          {
            sid: "ChangeAndHeartbeatTopics",
            effect: "Allow",
            actions: [...KafkaActions.produce],
            resources: [...this.topics, heartbeatTopic(connectors.topicPrefix)].map((t) => kafka.topic(t)),
          },
          {
            sid: "CdcRoleCredentials",
            effect: "Allow",
            actions: ["secretsmanager:GetSecretValue"],
            resources: [database.capture.cdcSecretArn],
          },
        ],
      });
      this.debezium = new MskConnector(this, "Debezium", {
        name,
        description: `Debezium PostgreSQL source: ${settings.tables.length} table(s) of ${config.database.databaseName}`,
        configuration: debeziumConnectorConfiguration(
          {
            ...settings,
            databaseHost: platform.database.instance.address,
            databasePort: Fn.tostring(platform.database.instance.port),
            databaseName: config.database.databaseName,
            credentialsSecretName: database.capture.cdcSecretName,
            heartbeatTable: database.capture.heartbeatTable,
            publicationName: database.capture.publicationName,
            slotName: database.capture.replicationSlotName,
            snapshotMode: connectors.snapshotMode,
            heartbeatIntervalMs: connectors.heartbeatIntervalMs,
            replicationFactor: config.streaming.defaultReplicationFactor,
          },
          { join: Fn.join },
        ),
        ...placement,
        plugin: debeziumPlugin,
        workerConfiguration: worker,
        role,
        logGroup: logGroup("debezium-source"),
      });
    }

    // Confluent S3 sink.
    const sinkPlugin = plugins.get(S3_SINK_PLUGIN);
    if (sinkPlugin) {
      const name = naming.name("s3-sink");
      const worker = new ConnectorWorkerConfiguration(this, "S3SinkWorkerConfiguration", {
        namePrefix: naming.name("s3-sink-worker"),
        properties: s3SinkWorkerProperties(connectors.jsonSchemas),
      });
      const lake = platform.lake.arn;
      const role = new ConnectorExecutionRole(this, "S3SinkRole", {
        roleName: name,
        connectorName: name,
        kafka,
        statements: [
          ...internal(name, [MSK_CONNECT_INTERNAL_GROUPS, connectGroup(name)]),
          {
            sid: "ChangeTopics",
            effect: "Allow",
            actions: [...KafkaActions.consume],
            resources: this.topics.map((t) => kafka.topic(t)),
          },
          {
            sid: "LakeBucket",
            effect: "Allow",
            actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
            resources: [lake],
          },
          {
            sid: "LakeObjects",
            effect: "Allow",
            actions: [
              "s3:PutObject",
              "s3:GetObject",
              "s3:AbortMultipartUpload",
              "s3:ListMultipartUploadParts",
            ],
            resources: [`${lake}/${TOPICS_DIR}/*`],
          },
          // The lake is encrypted with the pipeline's key: writing an object needs a data key.
          ...(platform.key
            ? [
                {
                  sid: "LakeKey",
                  effect: "Allow",
                  actions: ["kms:GenerateDataKey", "kms:Decrypt"],
                  resources: [platform.key.arn],
                  // The key also serves RDS and MSK: only through S3.
                  condition: [
                    {
                      test: "StringEquals",
                      variable: "kms:ViaService",
                      values: [`s3.${config.region}.amazonaws.com`],
                    },
                  ],
                },
              ]
            : []),
        ],
      });
      this.s3Sink = new MskConnector(this, "S3Sink", {
        name,
        description: `Confluent S3 sink: ${this.topics.length} topic(s) to the data lake as JSON`,
        configuration: s3SinkConnectorConfiguration({
          topics: this.topics,
          bucketName: platform.lake.name,
          region: config.region,
          flushSize: connectors.flushSize,
          rotateScheduleIntervalMs: connectors.rotateScheduleIntervalMs,
        }),
        ...placement,
        plugin: sinkPlugin,
        workerConfiguration: worker,
        role,
        logGroup: logGroup("s3-sink"),
        // The sink reads what the source creates: start it second.
        after: this.debezium ? [this.debezium.connector] : [],
      });
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
      new TerraformOutput(this, "debezium_connector_arn", { value: this.debezium.connector.arn });
    }
    if (this.s3Sink) {
      new TerraformOutput(this, "s3_sink_connector_arn", { value: this.s3Sink.connector.arn });
      new TerraformOutput(this, "lake_prefix", {
        value: `s3://${platform.lake.name}/${TOPICS_DIR}/`,
        description: "Where the change events land: <topic>/year=/month=/day=/hour=/ JSON objects",
      });
    }
  }
}
