import { Annotations, TerraformOutput, type TerraformStack, Token } from "cdktf";
import type { Construct } from "constructs";
import { documentationCidrs } from "../config/fields";
import type { Naming } from "../config/naming";
import type {
  AlertsConfig,
  ConnectorsReach,
  DatabaseConfig,
  NetworkConfig,
  StorageConfig,
  StreamingConfig,
} from "../config/pipeline-config";
import { ATHENA_RESULTS_PREFIX } from "../constructs/lake/athena-workgroup";
import { PipelineNetwork } from "../constructs/network/pipeline-network";
import { admitIntoExistingGroup, PipelineSecurityGroup } from "../constructs/network/pipeline-security-group";
import { AlertTopic } from "../constructs/observability/alert-topic";
import { KafkaAlarms } from "../constructs/observability/kafka-alarms";
import { PipelineLogGroup } from "../constructs/observability/pipeline-log-group";
import { ReplicationAlarms } from "../constructs/observability/replication-alarms";
import { TransactionLogsAlarm } from "../constructs/observability/transaction-logs-alarm";
import { VpcFlowLogs } from "../constructs/observability/vpc-flow-logs";
import { CdcPostgres } from "../constructs/rds/cdc-postgres";
import { PipelineKey } from "../constructs/security/pipeline-key";
import { PrivateBucket } from "../constructs/storage/private-bucket";
import { CdcKafkaCluster, MSK_IAM_PORT } from "../constructs/streaming/cdc-kafka-cluster";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack";

export interface PlatformStackProps extends PipelineStackProps {
  readonly naming: Naming;
  readonly network: NetworkConfig;
  /** The managed source's RDS instance; none when every source is an existing database. */
  readonly database?: DatabaseConfig | undefined;
  /** Existing databases the connectors must reach (config.sources). */
  readonly existingSources: readonly ExistingSourceReach[];
  readonly streaming: StreamingConfig;
  readonly storage: StorageConfig;
  /** One KMS key of the pipeline for RDS, MSK and the lake; AWS managed keys otherwise. */
  readonly customerManagedKey: boolean;
  /**
   * Where every alarm notifies: an existing topic, or one this stack creates for the subscriptions.
   * With neither, alarms show in the console only (guardrail CDC-OBS1).
   */
  readonly alerts: AlertsConfig;
  readonly logRetentionDays: number;
  /** Days the lake's Athena query results are kept; undefined when the lake is not queryable. */
  readonly athenaResultsRetentionDays?: number | undefined;
}

/** The platform's output naming the alarm topic, which other stacks read by this name. */
const ALARM_TOPIC_OUTPUT = "alarm_topic_arn";

/** How the connectors reach an existing database (`sources[]`). */
export interface ExistingSourceReach {
  readonly name: string;
  readonly port: number;
  readonly reach: ConnectorsReach;
}

/**
 * `<env>-platform`: everything AWS-side that the database and connectors stacks stand on: network,
 * RDS PostgreSQL ready for logical replication, MSK, the data-lake bucket and their log groups.
 * AWS provider only, so it validates and plans offline.
 */
export class PlatformStack extends PipelineStack {
  readonly network: PipelineNetwork;
  /** The managed source's RDS instance, when the config has one (config.database). */
  readonly database?: CdcPostgres;
  readonly kafka: CdcKafkaCluster;
  readonly lake: PrivateBucket;
  /** The group MSK Connect workers run in; the database and MSK admit it. */
  readonly connectorsSecurityGroup: PipelineSecurityGroup;
  /** The pipeline's KMS key, when config.encryption.customerManagedKey. */
  readonly key?: PipelineKey;
  /**
   * The group whose members (a CI runner, a bastion) reach PostgreSQL and the interface endpoints, when
   * config.network.operatorAccess.securityGroup.
   */
  readonly operatorsSecurityGroup?: PipelineSecurityGroup;
  /** The topic the pipeline's alarms notify (config.alerts), if any: alarms of any stack should use it. */
  readonly alarmTopicArn?: string;
  private readonly workloadSubnetsKind: "public" | "private";

  /**
   * The alarm topic's ARN as another stack's alarms use it: the configured topic's ARN itself
   * (alerts.snsTopicArn), or this stack's `alarm_topic_arn` output read by that name (the published
   * contract, rather than an output cdktf would generate for the topic resource); undefined without alerts.
   */
  alarmTopicArnFor(reader: TerraformStack): string | undefined {
    const arn = this.alarmTopicArn;
    if (arn === undefined || !Token.isUnresolved(arn)) return arn;
    reader.addDependency(this);
    return reader.registerIncomingCrossStackReference(this).getString(ALARM_TOPIC_OUTPUT);
  }

  /** Where RDS, MSK and MSK Connect run (config.network.workloadSubnets). */
  get workloadSubnetIds(): string[] {
    return this.workloadSubnetsKind === "private"
      ? this.network.privateSubnetIds
      : this.network.publicSubnetIds;
  }

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { naming } = props;
    this.workloadSubnetsKind = props.network.workloadSubnets;

    this.network = new PipelineNetwork(this, "Network", {
      names: naming,
      region: props.region,
      vpcCidr: props.network.vpcCidr,
      publicSubnets: props.network.publicSubnets,
      privateSubnets: props.network.privateSubnets,
      natGateway: props.network.natGateway,
    });
    const vpcId = this.network.vpc.id;
    // RDS, MSK, MSK Connect and the interface endpoints all run in the workload subnets.
    const subnetIds = this.workloadSubnetIds;
    if (props.network.flowLogs) {
      new VpcFlowLogs(this, "FlowLogs", {
        vpcId,
        vpcArn: this.network.vpc.arn,
        logGroupName: naming.vpcFlowLogGroup(),
        retentionDays: props.logRetentionDays,
        roleName: naming.vpcFlowLogsRole(),
      });
    }
    this.key = props.customerManagedKey
      ? new PipelineKey(this, "Key", { alias: naming.kmsKeyAlias(), pipelineName: naming.pipeline() })
      : undefined;
    const kmsKeyArn = this.key?.arn;

    this.connectorsSecurityGroup = new PipelineSecurityGroup(this, "ConnectorsSecurityGroup", {
      name: naming.connectorsSecurityGroup(),
      description: "MSK Connect workers: egress to PostgreSQL, MSK and AWS APIs only",
      vpcId,
    });

    const db = props.database;
    const database =
      db &&
      new CdcPostgres(this, "Database", {
        identifier: naming.rdsInstance(),
        parameterGroupNamePrefix: naming.rdsParameterGroupPrefix(db.parameterGroupFamily),
        finalSnapshotPrefix: naming.rdsFinalSnapshotPrefix(),
        vpcId,
        subnetIds,
        engineVersion: db.engineVersion,
        parameterGroupFamily: db.parameterGroupFamily,
        instanceClass: db.instanceClass,
        allocatedStorageGiB: db.allocatedStorageGiB,
        port: db.port,
        databaseName: db.databaseName,
        masterUsername: db.masterUsername,
        maxSlotWalKeepSizeMiB: db.maxSlotWalKeepSizeMiB,
        publiclyAccessible: db.publiclyAccessible,
        multiAz: db.multiAz,
        deletionProtection: db.deletionProtection,
        skipFinalSnapshot: db.skipFinalSnapshot,
        backupRetentionDays: db.backupRetentionDays,
        kmsKeyArn,
        performanceInsights: db.performanceInsights,
        logExports: db.logExports,
        logRetentionDays: props.logRetentionDays,
      });
    this.database = database;
    database?.allowFrom(
      "Connectors",
      { securityGroup: this.connectorsSecurityGroup },
      "Debezium on MSK Connect reads the WAL",
    );
    db?.allowedCidrs.forEach((cidr, i) => {
      database?.allowFrom(`Operator${i}`, { cidr }, `Operator network ${cidr} (database.allowedCidrs)`);
    });
    this.warnAboutDocumentationAddresses(db?.allowedCidrs ?? [], props.network.operatorAccess.cidrs);

    const alerts = props.alerts;
    const alertTopic =
      !alerts.snsTopicArn && alerts.subscriptions.length > 0
        ? new AlertTopic(this, "Alerts", {
            name: naming.alertTopic(),
            subscriptions: alerts.subscriptions,
            key: this.key,
          })
        : undefined;
    this.alarmTopicArn = alerts.snsTopicArn ?? alertTopic?.arn;

    if (db && database) {
      const databaseAlarms = new ReplicationAlarms(this, "DatabaseAlarms", {
        slotLagAlarmName: naming.databaseAlarm("replication-slot-lag"),
        freeStorageAlarmName: naming.databaseAlarm("free-storage"),
        dbInstanceIdentifier: database.instance.identifier,
        allocatedStorageGiB: db.allocatedStorageGiB,
        maxSlotWalKeepSizeMiB: db.maxSlotWalKeepSizeMiB,
        topicArn: this.alarmTopicArn,
      });
      new TransactionLogsAlarm(databaseAlarms, "TransactionLogs", {
        alarmName: naming.databaseAlarm("transaction-logs"),
        dbInstanceIdentifier: database.instance.identifier,
        maxSlotWalKeepSizeMiB: db.maxSlotWalKeepSizeMiB,
        topicArn: this.alarmTopicArn,
      });
    }

    const brokerLogs = new PipelineLogGroup(this, "BrokerLogs", {
      name: naming.brokerLogGroup(),
      retentionDays: props.logRetentionDays,
    });
    const kafka = props.streaming;
    this.kafka = new CdcKafkaCluster(this, "Kafka", {
      clusterName: naming.mskCluster(),
      configurationName: (version, hash) => naming.mskConfiguration(version, hash),
      storageScalingPolicyName: naming.mskStorageScalingPolicy(),
      vpcId,
      subnetIds,
      kafkaVersion: kafka.kafkaVersion,
      brokerInstanceType: kafka.brokerInstanceType,
      brokerCount: kafka.brokerCount,
      brokerVolumeGiB: kafka.brokerVolumeGiB,
      defaultReplicationFactor: kafka.defaultReplicationFactor,
      minInsyncReplicas: kafka.minInsyncReplicas,
      brokerLogGroupName: brokerLogs.name,
      maxBrokerVolumeGiB: kafka.maxBrokerVolumeGiB,
      kmsKeyArn,
      // Subnets placed by zone name land in a zone known only at apply: checked there against MSK's list.
      subnetZoneIds: this.workloadSubnets.map((s) => s.availabilityZoneId),
    });
    new KafkaAlarms(this, "KafkaAlarms", {
      clusterName: this.kafka.cluster.clusterName,
      brokerCount: kafka.brokerCount,
      alarmName: (brokerId) => naming.brokerDiskAlarm(brokerId),
      topicArn: this.alarmTopicArn,
    });
    this.kafka.allowFrom(
      "Connectors",
      { securityGroup: this.connectorsSecurityGroup },
      "MSK Connect workers",
    );

    const workers = this.connectorsSecurityGroup;
    if (db && database) {
      workers.allowEgress(
        "Database",
        { securityGroup: database.securityGroup },
        db.port,
        "PostgreSQL (Debezium)",
      );
    }
    for (const source of props.existingSources) {
      const what = `PostgreSQL of source ${source.name} (Debezium)`;
      if ("cidr" in source.reach) {
        workers.allowEgress(`Source-${source.name}`, { cidr: source.reach.cidr }, source.port, what);
      } else {
        workers.allowEgress(
          `Source-${source.name}`,
          { securityGroupId: source.reach.securityGroupId },
          source.port,
          what,
        );
        admitIntoExistingGroup(
          workers,
          `Source-${source.name}`,
          source.reach.securityGroupId,
          source.port,
          `${naming.pipeline()} connectors: Debezium reads the WAL (source ${source.name})`,
        );
      }
    }
    workers.allowEgress("Kafka", { securityGroup: this.kafka.securityGroup }, MSK_IAM_PORT, "MSK SASL/IAM");
    workers.allowEgress(
      "S3",
      { prefixListId: this.network.s3Endpoint.prefixListId },
      443,
      "S3 via the gateway endpoint",
    );
    // Workers have no public IP: the Secrets Manager config provider reaches its API through an endpoint.
    const secretsManager = this.network.addInterfaceEndpoint("SecretsManager", "secretsmanager", subnetIds, [
      workers,
    ]);
    workers.allowEgress(
      "SecretsManager",
      { securityGroup: secretsManager.securityGroup },
      443,
      "Secrets Manager via its interface endpoint",
    );

    this.operatorsSecurityGroup = this.operatorAccess(props, subnetIds);

    const storage = props.storage;
    this.lake = new PrivateBucket(this, "DataLake", {
      bucketName: storage.bucketName,
      bucketPrefix: naming.lakeBucketPrefix(),
      forceDestroy: storage.forceDestroy,
      kmsKeyArn,
      versioning: storage.versioning ? { noncurrentVersionDays: storage.noncurrentVersionDays } : undefined,
      infrequentAccessAfterDays: storage.infrequentAccessAfterDays,
      expirations:
        props.athenaResultsRetentionDays === undefined
          ? undefined
          : [
              {
                id: "expire-athena-results",
                prefix: `${ATHENA_RESULTS_PREFIX}/`,
                days: props.athenaResultsRetentionDays,
              },
            ],
    });

    this.outputs(db);
  }

  /** Where RDS, MSK and MSK Connect run, as subnets. */
  private get workloadSubnets() {
    return this.workloadSubnetsKind === "private" ? this.network.privateSubnets : this.network.publicSubnets;
  }

  /**
   * config.network.operatorAccess, the one declared way in to a private pipeline: the operators' group and
   * networks reach PostgreSQL and every interface endpoint (with private DNS, an endpoint answers for the
   * whole VPC, so a runner inside it reaches Secrets Manager only if the endpoint admits it), and with
   * sessionManager the SSM endpoints an instance needs for port forwarding without NAT. Nothing when
   * nothing is declared.
   */
  private operatorAccess(props: PlatformStackProps, subnetIds: string[]): PipelineSecurityGroup | undefined {
    const access = props.network.operatorAccess;
    const database = this.database;
    const group = access.securityGroup
      ? new PipelineSecurityGroup(this, "OperatorsSecurityGroup", {
          name: props.naming.operatorsSecurityGroup(),
          description:
            "Operators (CI runner, bastion): PostgreSQL, the VPC's interface endpoints and S3 only",
          vpcId: this.network.vpc.id,
        })
      : undefined;
    if (group) {
      if (database && props.database) {
        database.allowFrom(
          "Operators",
          { securityGroup: group },
          "Operators' group: the database stack (network.operatorAccess)",
        );
        group.allowEgress(
          "Database",
          { securityGroup: database.securityGroup },
          props.database.port,
          "PostgreSQL",
        );
      }
      group.allowEgress(
        "S3",
        { prefixListId: this.network.s3Endpoint.prefixListId },
        443,
        "S3 via the gateway endpoint (Terraform state)",
      );
    }
    access.cidrs.forEach((cidr, i) => {
      // Already admitted through database.allowedCidrs: a second identical rule would fail at apply.
      if (!database || props.database?.allowedCidrs.includes(cidr)) return;
      database.allowFrom(
        `OperatorAccess${i}`,
        { cidr },
        `Operator network ${cidr} (network.operatorAccess.cidrs)`,
      );
    });
    if (group || access.cidrs.length > 0) {
      this.network.admitOperators({ securityGroup: group, cidrs: access.cidrs });
    }
    if (access.sessionManager) {
      // What the SSM agent calls: Session Manager port forwarding from an instance with no NAT.
      // https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html
      this.network.addInterfaceEndpoint("Ssm", "ssm", subnetIds);
      this.network.addInterfaceEndpoint("SsmMessages", "ssmmessages", subnetIds);
      this.network.addInterfaceEndpoint("Ec2Messages", "ec2messages", subnetIds);
    }
    return group;
  }

  /**
   * Documentation addresses (RFC 5737, such as the demo's 203.0.113.10/32) admit nobody: the database stack
   * would time out reaching PostgreSQL. One warning line each field.
   */
  private warnAboutDocumentationAddresses(allowedCidrs: readonly string[], operatorCidrs: readonly string[]) {
    const examples = documentationCidrs(allowedCidrs);
    if (examples.length > 0) {
      Annotations.of(this).addWarning(
        `database.allowedCidrs: ${examples.join(", ")} ${isAre(examples)} (RFC 5737), not yours: ` +
          "the database stack will time out reaching PostgreSQL until you replace it with your address " +
          "(curl ifconfig.io)/32",
      );
    }
    const operatorExamples = documentationCidrs(operatorCidrs);
    if (operatorExamples.length > 0) {
      Annotations.of(this).addWarning(
        `network.operatorAccess.cidrs: ${operatorExamples.join(", ")} ${isAre(operatorExamples)} (RFC 5737): ` +
          "nobody connects from there; replace it with your operators' network",
      );
    }
  }

  private outputs(db: DatabaseConfig | undefined): void {
    const output = (id: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description });
    const database = this.database;
    // The seed's outputs, same names and shapes.
    if (db && database) {
      output(
        "rds",
        {
          endpoint: database.endpoint,
          address: database.instance.address,
          port: database.instance.port,
          database_name: db.databaseName,
          master_username: db.masterUsername,
          master_user_secret_arn: database.masterUserSecretArn,
        },
        "PostgreSQL: endpoint is host:port; the master password is in the master_user_secret_arn secret",
      );
      output(
        "rds_master_user_secret_arn",
        database.masterUserSecretArn,
        "Secrets Manager ARN of the master password",
      );
      output("database_security_group_id", database.securityGroup.id, "Security group of PostgreSQL");
    }
    output(
      "msk_cluster_bootstrap_brokers_sasl_iam",
      this.kafka.bootstrapBrokersSaslIam,
      "Bootstrap brokers (SASL/IAM, TLS)",
    );
    output("s3_bucket_name", this.lake.name, "Data-lake bucket");
    // What the database and connectors stacks (and operators) need.
    output("msk_cluster_arn", this.kafka.arn, "MSK cluster ARN");
    output("s3_bucket_arn", this.lake.arn, "Data-lake bucket ARN");
    output("vpc_id", this.network.vpc.id, "VPC id");
    output("subnet_ids", this.workloadSubnetIds, "Subnets of RDS, MSK and MSK Connect");
    output("connectors_security_group_id", this.connectorsSecurityGroup.id, "Security group for MSK Connect");
    output("msk_security_group_id", this.kafka.securityGroup.id, "Security group of MSK");
    if (this.operatorsSecurityGroup) {
      output(
        "operators_security_group_id",
        this.operatorsSecurityGroup.id,
        "Security group to add to a CI runner or bastion: it reaches PostgreSQL and the interface endpoints",
      );
    }
    if (this.alarmTopicArn) {
      output(ALARM_TOPIC_OUTPUT, this.alarmTopicArn, "SNS topic every alarm of the pipeline notifies");
    }
  }
}

function isAre(cidrs: readonly string[]): string {
  return cidrs.length === 1 ? "is a documentation address" : "are documentation addresses";
}
