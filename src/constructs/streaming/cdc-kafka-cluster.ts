import { createHash } from "node:crypto";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { MskCluster } from "@cdktf/provider-aws/lib/msk-cluster";
import { MskConfiguration } from "@cdktf/provider-aws/lib/msk-configuration";
import { Fn, Op } from "cdktf";
import { Construct } from "constructs";
import { MSK_UNSUPPORTED_ZONE_IDS } from "../../config/fields";
import { type Peer, PipelineSecurityGroup } from "../network/pipeline-security-group";

/** Port of the SASL/IAM listener inside the VPC. @see https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html */
export const MSK_IAM_PORT = 9098;

export interface CdcKafkaClusterProps {
  /** Cluster name; also the name of its security group. */
  readonly clusterName: string;
  /** The configuration's name for the Kafka version and the first 8 hex digits of its content's sha256. */
  readonly configurationName: (kafkaVersion: string, contentHash: string) => string;
  /** Name of the broker-storage autoscaling policy. */
  readonly storageScalingPolicyName: string;
  readonly vpcId: string;
  /** One subnet per AZ (2 or 3); brokers are spread evenly across them. */
  readonly subnetIds: readonly string[];
  readonly kafkaVersion: string;
  readonly brokerInstanceType: string;
  /** A multiple of the number of subnets. */
  readonly brokerCount: number;
  readonly brokerVolumeGiB: number;
  /** default.replication.factor for topics the connectors create. */
  readonly defaultReplicationFactor: number;
  /** min.insync.replicas: with RF 3, 2 survives one broker loss without losing acknowledged writes. */
  readonly minInsyncReplicas: number;
  /** Log group the brokers write to. */
  readonly brokerLogGroupName: string;
  /** Broker storage autoscaling grows volumes up to this size; at or below brokerVolumeGiB, no autoscaling. */
  readonly maxBrokerVolumeGiB: number;
  /** KMS key for data at rest. @default - the AWS managed key */
  readonly kmsKeyArn?: string;
  /**
   * The zone IDs of `subnetIds` (the subnets' `availability_zone_id`), checked before the cluster is created
   * or changed against the zones MSK refuses: subnets placed by zone name land in a zone known only at apply.
   * @default - no check
   */
  readonly subnetZoneIds?: readonly string[];
}

/**
 * Amazon MSK for CDC: IAM client authentication only (no unauthenticated or plaintext listener), TLS
 * between clients and brokers and among brokers, encryption at rest, broker logs in CloudWatch, and
 * topics created explicitly by the connectors rather than by typos.
 */
export class CdcKafkaCluster extends Construct {
  readonly cluster: MskCluster;
  readonly configuration: MskConfiguration;
  readonly securityGroup: PipelineSecurityGroup;

  constructor(scope: Construct, id: string, props: CdcKafkaClusterProps) {
    super(scope, id);
    if (props.brokerCount % props.subnetIds.length !== 0) {
      throw new Error(
        `${this.node.path}: got ${props.brokerCount} brokers in ${props.subnetIds.length} subnets; expected a multiple`,
      );
    }

    this.securityGroup = new PipelineSecurityGroup(this, "SecurityGroup", {
      name: props.clusterName,
      description: `MSK ${props.clusterName}: SASL/IAM (${MSK_IAM_PORT}) from the connectors only`,
      vpcId: props.vpcId,
    });

    const serverProperties: Record<string, string | number | boolean> = {
      // Topics come from Kafka Connect's topic.creation settings (with kafka-cluster:CreateTopic).
      "auto.create.topics.enable": false,
      "default.replication.factor": props.defaultReplicationFactor,
      "min.insync.replicas": props.minInsyncReplicas,
      "unclean.leader.election.enable": false,
    };
    const content = Object.entries(serverProperties)
      .map(([key, value]) => `${key}=${value}`)
      .join("\n");
    const hash = createHash("sha256")
      .update(`kafka_versions=${props.kafkaVersion}\n${content}`)
      .digest("hex")
      .slice(0, 8);
    this.configuration = new MskConfiguration(this, "Configuration", {
      // kafka_versions forces a replacement and a configuration in use cannot be deleted: a new version or
      // new settings get a new name, created (and attached to the cluster) before the old one is destroyed.
      name: props.configurationName(props.kafkaVersion, hash),
      kafkaVersions: [props.kafkaVersion],
      description: `Broker settings of ${props.clusterName} (Kafka ${props.kafkaVersion}, sha256 ${hash}…)`,
      serverProperties: content,
      lifecycle: { createBeforeDestroy: true },
    });

    // Volumes grow only with a maximum above the start size; only then may Terraform ignore the size.
    const autoscaled = props.maxBrokerVolumeGiB > props.brokerVolumeGiB;
    this.cluster = new MskCluster(this, "Resource", {
      clusterName: props.clusterName,
      kafkaVersion: props.kafkaVersion,
      numberOfBrokerNodes: props.brokerCount,
      brokerNodeGroupInfo: {
        instanceType: props.brokerInstanceType,
        clientSubnets: [...props.subnetIds],
        securityGroups: [this.securityGroup.id],
        storageInfo: { ebsStorageInfo: { volumeSize: props.brokerVolumeGiB } },
      },
      clientAuthentication: { sasl: { iam: true, scram: false }, unauthenticated: false },
      encryptionInfo: {
        // At rest: always on in MSK, with the AWS managed key unless a CMK is given.
        encryptionAtRestKmsKeyArn: props.kmsKeyArn,
        encryptionInTransit: { clientBroker: "TLS", inCluster: true },
      },
      configurationInfo: { arn: this.configuration.arn, revision: this.configuration.latestRevision },
      loggingInfo: {
        brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: props.brokerLogGroupName } },
      },
      lifecycle:
        autoscaled || props.subnetZoneIds
          ? {
              // Storage autoscaling changes the volume size outside Terraform.
              ignoreChanges: autoscaled
                ? ["broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size"]
                : undefined,
              precondition: props.subnetZoneIds ? [refusedZonesCheck(props.subnetZoneIds)] : undefined,
            }
          : undefined,
    });
    if (autoscaled) this.autoscaleStorage(props.maxBrokerVolumeGiB, props.storageScalingPolicyName);
  }

  /**
   * Grows each broker's EBS volume (target 60% used) up to `maxVolumeGiB`: a full broker disk stops the
   * whole pipeline. MSK never shrinks volumes, so Terraform must ignore the size it set at creation.
   * @see https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand.html
   */
  private autoscaleStorage(maxVolumeGiB: number, policyName: string): void {
    const target = new AppautoscalingTarget(this, "StorageScalingTarget", {
      serviceNamespace: "kafka",
      scalableDimension: "kafka:broker-storage:VolumeSize",
      resourceId: this.cluster.arn,
      minCapacity: 1,
      maxCapacity: maxVolumeGiB,
    });
    new AppautoscalingPolicy(this, "StorageScalingPolicy", {
      name: policyName,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "KafkaBrokerStorageUtilization" },
        targetValue: 60,
        disableScaleIn: true,
      },
    });
  }

  /** Lets `peer` reach the brokers' IAM listener. */
  allowFrom(ruleId: string, peer: Peer, description: string): void {
    this.securityGroup.allowIngress(ruleId, peer, MSK_IAM_PORT, description);
  }

  get arn(): string {
    return this.cluster.arn;
  }

  get bootstrapBrokersSaslIam(): string {
    return this.cluster.bootstrapBrokersSaslIam;
  }
}

/**
 * A precondition refusing subnets in a zone MSK does not support. Zone names map to different zones in each
 * account, so for subnets placed by name the zone ID is known only once they exist: the check then runs at
 * apply, after the subnets and before the cluster.
 */
function refusedZonesCheck(subnetZoneIds: readonly string[]) {
  const refused = Object.keys(MSK_UNSUPPORTED_ZONE_IDS);
  return {
    // lt 1, not eq 0: cdktf renders a literal 0 operand as "undefined".
    condition: Op.lt(Fn.lengthOf(Fn.setintersection([...subnetZoneIds], [refused])), 1),
    errorMessage:
      `A subnet of this MSK cluster is in availability zone ${refused.join(" or ")}, which Amazon MSK refuses ` +
      `(${Object.values(MSK_UNSUPPORTED_ZONE_IDS).join("; ")}). Place the subnets by zone ID: set ` +
      "network.availabilityZoneIds to zones MSK supports (aws ec2 describe-availability-zones lists your account's).",
  };
}
