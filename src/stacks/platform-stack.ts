import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type {
  DatabaseConfig,
  NetworkConfig,
  StorageConfig,
  StreamingConfig,
} from "../config/pipeline-config";
import { PipelineNetwork } from "../constructs/network/pipeline-network";
import { PipelineSecurityGroup } from "../constructs/network/pipeline-security-group";
import { PipelineLogGroup } from "../constructs/observability/pipeline-log-group";
import { ReplicationAlarms } from "../constructs/observability/replication-alarms";
import { VpcFlowLogs } from "../constructs/observability/vpc-flow-logs";
import { CdcPostgres } from "../constructs/rds/cdc-postgres";
import { PipelineKey } from "../constructs/security/pipeline-key";
import { PrivateBucket } from "../constructs/storage/private-bucket";
import { CdcKafkaCluster, MSK_IAM_PORT } from "../constructs/streaming/cdc-kafka-cluster";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack";

export interface PlatformStackProps extends PipelineStackProps {
  readonly naming: Naming;
  readonly network: NetworkConfig;
  readonly database: DatabaseConfig;
  readonly streaming: StreamingConfig;
  readonly storage: StorageConfig;
  /** One KMS key of the pipeline for RDS, MSK and the lake; AWS managed keys otherwise. */
  readonly customerManagedKey: boolean;
  /** SNS topic the database alarms notify. @default - none: the alarms show in the console only */
  readonly alarmTopicArn?: string;
  readonly logRetentionDays: number;
}

/**
 * `<env>-platform`: everything AWS-side that the database and connectors stacks stand on: network,
 * RDS PostgreSQL ready for logical replication, MSK, the data-lake bucket and their log groups.
 * AWS provider only, so it validates and plans offline.
 */
export class PlatformStack extends PipelineStack {
  readonly network: PipelineNetwork;
  readonly database: CdcPostgres;
  readonly kafka: CdcKafkaCluster;
  readonly lake: PrivateBucket;
  /** The group MSK Connect workers run in; the database and MSK admit it. */
  readonly connectorsSecurityGroup: PipelineSecurityGroup;
  /** The pipeline's KMS key, when config.encryption.customerManagedKey. */
  readonly key?: PipelineKey;
  private readonly workloadSubnetsKind: "public" | "private";

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
    this.database = new CdcPostgres(this, "Database", {
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
    this.database.allowFrom(
      "Connectors",
      { securityGroup: this.connectorsSecurityGroup },
      "Debezium on MSK Connect reads the WAL",
    );
    db.allowedCidrs.forEach((cidr, i) => {
      this.database.allowFrom(`Operator${i}`, { cidr }, `Operator network ${cidr} (database.allowedCidrs)`);
    });

    new ReplicationAlarms(this, "DatabaseAlarms", {
      slotLagAlarmName: naming.databaseAlarm("replication-slot-lag"),
      freeStorageAlarmName: naming.databaseAlarm("free-storage"),
      dbInstanceIdentifier: this.database.instance.identifier,
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxSlotWalKeepSizeMiB: db.maxSlotWalKeepSizeMiB,
      topicArn: props.alarmTopicArn,
    });

    const brokerLogs = new PipelineLogGroup(this, "BrokerLogs", {
      name: naming.brokerLogGroup(),
      retentionDays: props.logRetentionDays,
    });
    const kafka = props.streaming;
    this.kafka = new CdcKafkaCluster(this, "Kafka", {
      clusterName: naming.mskCluster(),
      configurationName: naming.mskConfiguration(),
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
    });
    this.kafka.allowFrom(
      "Connectors",
      { securityGroup: this.connectorsSecurityGroup },
      "MSK Connect workers",
    );

    const workers = this.connectorsSecurityGroup;
    workers.allowEgress(
      "Database",
      { securityGroup: this.database.securityGroup },
      db.port,
      "PostgreSQL (Debezium)",
    );
    workers.allowEgress("Kafka", { securityGroup: this.kafka.securityGroup }, MSK_IAM_PORT, "MSK SASL/IAM");
    workers.allowEgress(
      "S3",
      { prefixListId: this.network.s3Endpoint.prefixListId },
      443,
      "S3 via the gateway endpoint",
    );
    // Workers have no public IP: the Secrets Manager config provider reaches its API through an endpoint.
    const secretsManager = this.network.addInterfaceEndpoint(
      "SecretsManager",
      "secretsmanager",
      workers,
      subnetIds,
    );
    workers.allowEgress(
      "SecretsManager",
      { securityGroup: secretsManager.securityGroup },
      443,
      "Secrets Manager via its interface endpoint",
    );

    const storage = props.storage;
    this.lake = new PrivateBucket(this, "DataLake", {
      bucketName: storage.bucketName,
      bucketPrefix: naming.lakeBucketPrefix(),
      forceDestroy: storage.forceDestroy,
      kmsKeyArn,
      versioning: storage.versioning ? { noncurrentVersionDays: storage.noncurrentVersionDays } : undefined,
      infrequentAccessAfterDays: storage.infrequentAccessAfterDays,
    });

    this.outputs(db);
  }

  private outputs(db: DatabaseConfig): void {
    const output = (id: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description });
    // The seed's outputs, same names and shapes.
    output(
      "rds",
      {
        endpoint: this.database.endpoint,
        address: this.database.instance.address,
        port: this.database.instance.port,
        database_name: db.databaseName,
        master_username: db.masterUsername,
        master_user_secret_arn: this.database.masterUserSecretArn,
      },
      "PostgreSQL: endpoint is host:port; the master password is in the master_user_secret_arn secret",
    );
    output(
      "msk_cluster_bootstrap_brokers_sasl_iam",
      this.kafka.bootstrapBrokersSaslIam,
      "Bootstrap brokers (SASL/IAM, TLS)",
    );
    output("s3_bucket_name", this.lake.name, "Data-lake bucket");
    // What the database and connectors stacks (and operators) need.
    output(
      "rds_master_user_secret_arn",
      this.database.masterUserSecretArn,
      "Secrets Manager ARN of the master password",
    );
    output("msk_cluster_arn", this.kafka.arn, "MSK cluster ARN");
    output("s3_bucket_arn", this.lake.arn, "Data-lake bucket ARN");
    output("vpc_id", this.network.vpc.id, "VPC id");
    output("subnet_ids", this.workloadSubnetIds, "Subnets of RDS, MSK and MSK Connect");
    output("connectors_security_group_id", this.connectorsSecurityGroup.id, "Security group for MSK Connect");
    output("database_security_group_id", this.database.securityGroup.id, "Security group of PostgreSQL");
    output("msk_security_group_id", this.kafka.securityGroup.id, "Security group of MSK");
  }
}
