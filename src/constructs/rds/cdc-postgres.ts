import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { type Peer, PipelineSecurityGroup } from "../network/pipeline-security-group";
import { PipelineLogGroup } from "../observability/pipeline-log-group";

export interface CdcPostgresProps {
  /** Identifier of the instance; also the name of its DB subnet group and security group. */
  readonly identifier: string;
  /** `name_prefix` of the parameter group (Terraform appends a unique suffix). */
  readonly parameterGroupNamePrefix: string;
  /** Final snapshot identifier before the creation timestamp is appended. */
  readonly finalSnapshotPrefix: string;
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
  readonly publiclyAccessible: boolean;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly skipFinalSnapshot: boolean;
  readonly backupRetentionDays: number;
  /** KMS key for storage and Performance Insights. @default - the AWS managed key (aws/rds) */
  readonly kmsKeyArn?: string;
  /** Performance Insights, 7 days. */
  readonly performanceInsights: boolean;
  /** Logs exported to CloudWatch Logs (each gets a log group with retention first). */
  readonly logExports: readonly string[];
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
      name: props.identifier,
      // Static: a description change replaces the group, which fails while RDS still uses it.
      description: "PostgreSQL for CDC: ingress from the connectors and the operator CIDRs only",
      vpcId: props.vpcId,
    });

    this.parameterGroup = new DbParameterGroup(this, "ParameterGroup", {
      // A prefix, not a name: create_before_destroy must not collide with the group it replaces.
      namePrefix: props.parameterGroupNamePrefix,
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
      name: props.identifier,
      description: `Subnets of ${props.identifier}`,
      subnetIds: [...props.subnetIds],
    });

    // RDS would create the export groups itself, without retention: create them first, with one.
    const logGroups = props.logExports.map(
      (log) =>
        new PipelineLogGroup(this, `Logs-${log}`, {
          // The group name RDS writes an export to.
          name: `/aws/rds/instance/${props.identifier}/${log}`,
          retentionDays: props.logRetentionDays,
        }).resource,
    );

    const { skipFinalSnapshot, performanceInsights } = props;
    this.instance = new DbInstance(this, "Resource", {
      identifier: props.identifier,
      engine: "postgres",
      engineVersion: props.engineVersion,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      performanceInsightsEnabled: performanceInsights,
      performanceInsightsRetentionPeriod: performanceInsights ? 7 : undefined,
      performanceInsightsKmsKeyId: performanceInsights ? props.kmsKeyArn : undefined,
      enabledCloudwatchLogsExports: [...props.logExports],
      port: props.port,
      dbName: props.databaseName,
      username: props.masterUsername,
      // RDS generates and rotates the password in Secrets Manager; state holds only the secret ARN.
      manageMasterUserPassword: true,
      parameterGroupName: this.parameterGroup.name,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: props.publiclyAccessible,
      multiAz: props.multiAz,
      deletionProtection: props.deletionProtection,
      skipFinalSnapshot,
      // Unique per instance (its creation time), or the destroy of a re-created environment collides
      // with the previous final snapshot; ignore_changes keeps the first value.
      finalSnapshotIdentifier: skipFinalSnapshot
        ? undefined
        : `${props.finalSnapshotPrefix}${Fn.formatdate("YYYYMMDDhhmmss", Fn.timestamp())}`,
      lifecycle: { ignoreChanges: ["final_snapshot_identifier"] },
      dependsOn: logGroups,
      backupRetentionPeriod: props.backupRetentionDays,
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
