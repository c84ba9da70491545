import { MskconnectConnector } from "@cdktf/provider-aws/lib/mskconnect-connector";
import { DataResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { PipelineLogGroup } from "../observability/pipeline-log-group";
import type { ConnectorExecutionRole } from "./connector-execution-role";
import type { ConnectorPlugin } from "./connector-plugin";
import type { ConnectorWorkerConfiguration } from "./connector-worker-configuration";

/** The Kafka Connect version MSK Connect runs the seed's connectors on. */
export const KAFKA_CONNECT_VERSION = "2.7.1";

export interface AutoscaledCapacity {
  readonly mcuCount: number;
  readonly minWorkerCount: number;
  readonly maxWorkerCount: number;
  readonly scaleInCpuPercent: number;
  readonly scaleOutCpuPercent: number;
}

export interface MskConnectorProps {
  readonly name: string;
  readonly description: string;
  /** connector_configuration; values may hold Terraform references. */
  readonly configuration: Record<string, string>;
  readonly bootstrapServers: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly capacity: AutoscaledCapacity;
  readonly plugin: ConnectorPlugin;
  readonly workerConfiguration: ConnectorWorkerConfiguration;
  readonly role: ConnectorExecutionRole;
  readonly logGroup: PipelineLogGroup;
  /** What must be running first (the sink starts after the source that creates its topics). */
  readonly after?: ITerraformDependable[];
}

/**
 * An MSK Connect connector with IAM authentication and TLS set explicitly (the API's defaults are NONE
 * and PLAINTEXT), autoscaled capacity and worker logs in CloudWatch.
 *
 * Replaced, never updated, when its configuration changes: the AWS provider reports configuration updates
 * as applied while the connector keeps the old one (terraform-provider-aws #47004, #48199). A
 * `terraform_data` holds the configuration; `replace_triggered_by` on it turns any change into a
 * replacement. Same name, so the source resumes from its offset topic and the sink from its group.
 */
export class MskConnector extends Construct {
  readonly connector: MskconnectConnector;
  readonly configurationTracker: DataResource;

  constructor(scope: Construct, id: string, props: MskConnectorProps) {
    super(scope, id);
    this.configurationTracker = new DataResource(this, "Configuration", { input: props.configuration });
    const c = props.capacity;
    this.connector = new MskconnectConnector(this, "Resource", {
      name: props.name,
      description: props.description,
      kafkaconnectVersion: KAFKA_CONNECT_VERSION,
      connectorConfiguration: props.configuration,
      capacity: {
        autoscaling: {
          mcuCount: c.mcuCount,
          minWorkerCount: c.minWorkerCount,
          maxWorkerCount: c.maxWorkerCount,
          scaleInPolicy: { cpuUtilizationPercentage: c.scaleInCpuPercent },
          scaleOutPolicy: { cpuUtilizationPercentage: c.scaleOutCpuPercent },
        },
      },
      kafkaCluster: {
        apacheKafkaCluster: {
          bootstrapServers: props.bootstrapServers,
          vpc: { subnets: props.subnetIds, securityGroups: props.securityGroupIds },
        },
      },
      kafkaClusterClientAuthentication: { authenticationType: "IAM" },
      kafkaClusterEncryptionInTransit: { encryptionType: "TLS" },
      plugin: [
        { customPlugin: { arn: props.plugin.plugin.arn, revision: props.plugin.plugin.latestRevision } },
      ],
      workerConfiguration: {
        arn: props.workerConfiguration.resource.arn,
        revision: props.workerConfiguration.resource.latestRevision,
      },
      serviceExecutionRoleArn: props.role.arn,
      logDelivery: {
        workerLogDelivery: { cloudwatchLogs: { enabled: true, logGroup: props.logGroup.name } },
      },
      // A plain address: cdktf would wrap a construct reference in "${…}", which Terraform rejects here.
      dependsOn: props.after,
      lifecycle: {
        replaceTriggeredBy: [
          `${this.configurationTracker.terraformResourceType}.${this.configurationTracker.friendlyUniqueId}`,
        ],
      },
    });
  }
}
