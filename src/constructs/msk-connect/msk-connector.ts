import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { MskconnectConnector } from "@cdktf/provider-aws/lib/mskconnect-connector";
import { DataResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { ConnectorCapacity, McuCount } from "../../config/pipeline-config";
import { PipelineLogGroup } from "../observability/pipeline-log-group";
import { ConnectorExecutionRole } from "./connector-execution-role";
import type { ConnectorPlugin } from "./connector-plugin";
import { ConnectorWorkerConfiguration } from "./connector-worker-configuration";
import type { KafkaClusterArns } from "./kafka-cluster-arns";

/** The Kafka Connect version MSK Connect runs the seed's connectors on. */
export const KAFKA_CONNECT_VERSION = "2.7.1";

/** Where a connector runs: the cluster, the workers' subnets and security groups. */
export interface MskConnectPlacement {
  readonly bootstrapServers: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/**
 * How many workers of what size: autoscaled between bounds on CPU, or a fixed (provisioned) count.
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/msk-connect-capacity.html
 */
export type MskConnectCapacity =
  | { readonly autoscaling: ConnectorCapacity }
  | { readonly provisioned: { readonly mcuCount: McuCount; readonly workerCount: number } };

/** What every connector has besides its own settings. */
export interface MskConnectorProps {
  readonly connectorName: string;
  readonly roleName: string;
  /** The worker configuration's name for a content hash. */
  readonly workerConfigurationName: (contentHash: string) => string;
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  /** The cluster's ARN, from which topic and group ARNs are derived. */
  readonly kafka: KafkaClusterArns;
  readonly placement: MskConnectPlacement;
  readonly plugin: ConnectorPlugin;
}

/** What a kind of connector (source or sink) adds. */
export interface ConnectorDefinition {
  readonly description: string;
  /** connector_configuration; values may hold Terraform references. */
  readonly configuration: Record<string, string>;
  readonly workerProperties: Record<string, string>;
  readonly capacity: MskConnectCapacity;
  /**
   * Values besides the configuration whose change must replace the connector (e.g. the version of the
   * secret its password comes from): held by the replacement tracker only, never sent to MSK Connect.
   * @default - the configuration alone
   */
  readonly replaceWhen?: Record<string, string>;
  /** Consumer groups besides MSK Connect's own. */
  readonly consumerGroups: readonly string[];
  /** The connector's own permissions (topics, bucket, secret). */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
  /** What must be running first (the sink starts after the source that creates its topics). */
  readonly after?: ITerraformDependable[];
}

/** Terraform addresses a connector's resources had before a refactoring, for `moved` blocks. */
export interface ConnectorAddresses {
  readonly role: string;
  readonly rolePolicy: string;
  readonly workerConfiguration: string;
  readonly logGroup: string;
}

/**
 * An MSK Connect connector with IAM authentication and TLS set explicitly (the API's defaults are NONE
 * and PLAINTEXT), its own worker configuration, execution role and worker logs. Subclasses (DebeziumSource,
 * S3Sink) supply the settings, the capacity and the permissions.
 *
 * Replaced, never updated, when its configuration changes: the AWS provider reports configuration updates
 * as applied while the connector keeps the old one (terraform-provider-aws #47004, #48199). A
 * `terraform_data` holds the configuration (and `replaceWhen`); `replace_triggered_by` on it turns any
 * change into a replacement. Same name, so the source resumes from its offset topic and the sink from its
 * group.
 *
 * Created after its role's policy, not only its role: otherwise Terraform may create the connector while
 * the policy is still being attached, and its workers start without the right to join the cluster.
 */
export abstract class MskConnector extends Construct {
  readonly logGroup: PipelineLogGroup;
  readonly workerConfiguration: ConnectorWorkerConfiguration;
  readonly role: ConnectorExecutionRole;
  readonly connector: MskconnectConnector;
  readonly configurationTracker: DataResource;

  protected constructor(
    scope: Construct,
    id: string,
    props: MskConnectorProps,
    connector: ConnectorDefinition,
  ) {
    super(scope, id);
    this.logGroup = new PipelineLogGroup(this, "Logs", {
      name: props.logGroupName,
      retentionDays: props.logRetentionDays,
    });
    this.workerConfiguration = new ConnectorWorkerConfiguration(this, "WorkerConfiguration", {
      name: props.workerConfigurationName,
      properties: connector.workerProperties,
    });
    this.role = new ConnectorExecutionRole(this, "Role", {
      roleName: props.roleName,
      connectorName: props.connectorName,
      kafka: props.kafka,
      consumerGroups: connector.consumerGroups,
      statements: connector.statements,
    });
    this.configurationTracker = new DataResource(this, "Configuration", {
      input: trackedValues(connector.configuration, connector.replaceWhen ?? {}),
    });
    this.connector = new MskconnectConnector(this, "Resource", {
      name: props.connectorName,
      description: connector.description,
      kafkaconnectVersion: KAFKA_CONNECT_VERSION,
      connectorConfiguration: connector.configuration,
      capacity: capacityBlock(connector.capacity),
      kafkaCluster: {
        apacheKafkaCluster: {
          bootstrapServers: props.placement.bootstrapServers,
          vpc: {
            subnets: [...props.placement.subnetIds],
            securityGroups: [...props.placement.securityGroupIds],
          },
        },
      },
      kafkaClusterClientAuthentication: { authenticationType: "IAM" },
      kafkaClusterEncryptionInTransit: { encryptionType: "TLS" },
      plugin: [
        { customPlugin: { arn: props.plugin.plugin.arn, revision: props.plugin.plugin.latestRevision } },
      ],
      workerConfiguration: {
        arn: this.workerConfiguration.resource.arn,
        revision: this.workerConfiguration.resource.latestRevision,
      },
      serviceExecutionRoleArn: this.role.arn,
      logDelivery: {
        workerLogDelivery: { cloudwatchLogs: { enabled: true, logGroup: this.logGroup.name } },
      },
      // The role's policy, and what must run first (the sink after the source that creates its topics).
      dependsOn: [this.role.policy, ...(connector.after ?? [])],
      lifecycle: {
        replaceTriggeredBy: [
          `${this.configurationTracker.terraformResourceType}.${this.configurationTracker.friendlyUniqueId}`,
        ],
      },
    });
  }

  get arn(): string {
    return this.connector.arn;
  }

  /**
   * `moved` blocks from the addresses these resources had before: a deployed pipeline keeps its role,
   * its worker configuration (which cannot be deleted and re-created under its name) and its logs.
   */
  movedFrom(addresses: ConnectorAddresses): void {
    this.role.role.moveFromId(addresses.role);
    this.role.policy.moveFromId(addresses.rolePolicy);
    this.workerConfiguration.resource.moveFromId(addresses.workerConfiguration);
    this.logGroup.resource.moveFromId(addresses.logGroup);
  }
}

/** The connector's `capacity` block. */
function capacityBlock(capacity: MskConnectCapacity) {
  if ("provisioned" in capacity) {
    return {
      provisionedCapacity: {
        mcuCount: capacity.provisioned.mcuCount,
        workerCount: capacity.provisioned.workerCount,
      },
    };
  }
  const c = capacity.autoscaling;
  return {
    autoscaling: {
      mcuCount: c.mcuCount,
      minWorkerCount: c.minWorkerCount,
      maxWorkerCount: c.maxWorkerCount,
      scaleInPolicy: { cpuUtilizationPercentage: c.scaleInCpuPercent },
      scaleOutPolicy: { cpuUtilizationPercentage: c.scaleOutCpuPercent },
    },
  };
}

/** What the replacement tracker holds: the configuration and the extra values, which may not share a key. */
function trackedValues(
  configuration: Record<string, string>,
  replaceWhen: Record<string, string>,
): Record<string, string> {
  const shared = Object.keys(replaceWhen).filter((key) => key in configuration);
  if (shared.length > 0) {
    throw new Error(`replaceWhen key(s) ${shared.join(", ")} are connector configuration keys too`);
  }
  return { ...configuration, ...replaceWhen };
}
