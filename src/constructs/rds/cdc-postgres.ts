import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { type Peer, PipelineSecurityGroup } from "../network/pipeline-security-group";
import { PipelineLogGroup } from "../observability/pipeline-log-group";

export interface CdcPostgresProps {
  /** Physical name of the instance, its parameter group, subnet group and security group. */
  readonly name: string;
  readonly vpcId: string;
  /** Subnets of the DB subnet group, in at least two AZs. */
  readonly subnetIds: readonly string[];
  /** Engine version, `15` or `15.12`. */
  readonly engineVersion: string;
  /** Parameter group family matching the engine major, `postgres15`. */
  readonly parameterGroupFamily: string;
  readonly instanceClass: string;
  readonly allocatedStorageGiB: number;
  readonly port: number;
  readonly databaseName: string;
  readonly masterUsername: string;
  /**
   * WAL a replication slot may retain before PostgreSQL invalidates the slot (max_slot_wal_keep_size):
   * an abandoned Debezium slot otherwise holds WAL until the disk is full.
   */
  readonly maxSlotWalKeepSizeMiB: number;
  /** @default false */
  readonly publiclyAccessible?: boolean;
  /** @default true */
  readonly multiAz?: boolean;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** @default false */
  readonly skipFinalSnapshot?: boolean;
  /** @default 7 */
  readonly backupRetentionDays?: number;
  /** KMS key for storage and Performance Insights. @default - the AWS managed key (aws/rds) */
  readonly kmsKeyArn?: string;
  /** Performance Insights, 7 days. @default true */
  readonly performanceInsights?: boolean;
  /** Logs exported to CloudWatch Logs. @default ["postgresql", "upgrade"] */
  readonly logExports?: string[];
  /** Retention of the exported logs' groups. */
  readonly logRetentionDays: number;
}

/**
 * RDS PostgreSQL prepared for change data capture: logical replication on from the first boot, a WAL
 * cap for slots, storage encryption, and a master password that RDS generates and keeps in Secrets
 * Manager, so no password exists in config, JSON or state.
 */
export class CdcPostgres extends Construct {
  readonly instance: DbInstance;
  readonly parameterGroup: DbParameterGroup;
  readonly securityGroup: PipelineSecurityGroup;
  readonly port: number;

  constructor(scope: Construct, id: string, props: CdcPostgresProps) {
    super(scope, id);
    this.port = props.port;

    this.securityGroup = new PipelineSecurityGroup(this, "SecurityGroup", {
      name: props.name,
      // Static: a description change replaces the group, which fails while RDS still uses it.
      description: "PostgreSQL for CDC: ingress from the connectors and the operator CIDRs only",
      vpcId: props.vpcId,
    });

    this.parameterGroup = new DbParameterGroup(this, "ParameterGroup", {
      // A prefix, not a name: create_before_destroy must not collide with the group it replaces.
      namePrefix: `${props.name}-${props.parameterGroupFamily}-`,
      family: props.parameterGroupFamily,
      description: `Logical replication for CDC (${props.parameterGroupFamily})`,
      parameter: [
        // Static parameter: any other apply method fails, and Terraform never reboots
        // (terraform-provider-aws #40089). Attached at creation, it applies at first launch.
        { name: "rds.logical_replication", value: "1", applyMethod: "pending-reboot" },
        {
          name: "max_slot_wal_keep_size",
          value: String(props.maxSlotWalKeepSizeMiB),
          applyMethod: "immediate",
        },
        // Refuse unencrypted connections: the master password travels on them.
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    const subnetGroup = new DbSubnetGroup(this, "SubnetGroup", {
      name: props.name,
      description: `Subnets of ${props.name}`,
      subnetIds: [...props.subnetIds],
    });

    // RDS would create the export groups itself, without retention: create them first, with one.
    const logExports = props.logExports ?? ["postgresql", "upgrade"];
    const logGroups = logExports.map(
      (log) =>
        new PipelineLogGroup(this, `Logs-${log}`, {
          name: `/aws/rds/instance/${props.name}/${log}`,
          retentionDays: props.logRetentionDays,
        }).resource,
    );

    const skipFinalSnapshot = props.skipFinalSnapshot ?? false;
    this.instance = new DbInstance(this, "Resource", {
      identifier: props.name,
      engine: "postgres",
      engineVersion: props.engineVersion,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      performanceInsightsEnabled: props.performanceInsights ?? true,
      performanceInsightsRetentionPeriod: (props.performanceInsights ?? true) ? 7 : undefined,
      performanceInsightsKmsKeyId: (props.performanceInsights ?? true) ? props.kmsKeyArn : undefined,
      enabledCloudwatchLogsExports: logExports,
      port: props.port,
      dbName: props.databaseName,
      username: props.masterUsername,
      // RDS generates and rotates the password in Secrets Manager; state holds only the secret ARN.
      manageMasterUserPassword: true,
      parameterGroupName: this.parameterGroup.name,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: props.publiclyAccessible ?? false,
      multiAz: props.multiAz ?? true,
      deletionProtection: props.deletionProtection ?? true,
      skipFinalSnapshot,
      // Unique per instance (its creation time), or the destroy of a re-created environment collides
      // with the previous final snapshot; ignore_changes keeps the first value.
      finalSnapshotIdentifier: skipFinalSnapshot
        ? undefined
        : `${props.name}-final-${Fn.formatdate("YYYYMMDDhhmmss", Fn.timestamp())}`,
      lifecycle: { ignoreChanges: ["final_snapshot_identifier"] },
      dependsOn: logGroups,
      backupRetentionPeriod: props.backupRetentionDays ?? 7,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      // Logical replication slots must be dropped before a major upgrade below PostgreSQL 17.
      allowMajorVersionUpgrade: false,
    });
  }

  /** Lets `peer` connect to PostgreSQL. */
  allowFrom(ruleId: string, peer: Peer, description: string): void {
    this.securityGroup.allowIngress(ruleId, peer, this.port, description);
  }

  /** `host:port`, as the seed's `rds.endpoint` output. */
  get endpoint(): string {
    return this.instance.endpoint;
  }

  /** ARN of the Secrets Manager secret RDS keeps the master password in. */
  get masterUserSecretArn(): string {
    return this.instance.masterUserSecret.get(0).secretArn;
  }
}
