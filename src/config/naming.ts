/**
 * One source of physical names: one method per name the pipeline gives a resource, built from
 * `<project>-<environment>` (or `<project>_<environment>` inside PostgreSQL).
 *
 * Names are part of the infrastructure's identity (renaming an RDS instance or MSK cluster replaces it),
 * so they are derived here only, and `nameProblems` checks these same methods against each service's
 * limits before synth.
 */

export type StackKind = "platform" | "database" | "connectors";
export type ConnectorKind = "debezium-source" | "s3-sink";
export type DatabaseAlarmKind = "replication-slot-lag" | "free-storage" | "transaction-logs";
/** A captured table's Athena views: the rows as they are now, and every change. */
export type LakeViewKind = "current" | "changes";
/** A connector's alarms: tasks in the FAILED state, and fewer tasks running than it needs. */
export type ConnectorAlarmKind = "errored-tasks" | "running-tasks";

/** Characters Terraform appends to a `bucket_prefix` / `name_prefix` (a 26-character unique suffix). */
const TERRAFORM_PREFIX_SUFFIX = 26;

export class Naming {
  private readonly base: string;
  private readonly pgBase: string;

  constructor(
    private readonly project: string,
    private readonly environment: string,
  ) {
    this.base = `${project}-${environment}`;
    this.pgBase = this.base.replaceAll("-", "_");
  }

  /** The pipeline's own name, `<project>-<environment>`, as descriptions name it. */
  pipeline(): string {
    return this.base;
  }

  /** Stacks: `<environment>-platform`, `<environment>-database`, `<environment>-connectors`. */
  stack(kind: StackKind): string {
    return `${this.environment}-${kind}`;
  }

  /** The `Name` tag of a network resource (VPC, subnets, gateways, route tables). */
  networkResource(component: string): string {
    return `${this.base}-${component}`;
  }

  /** Security group of an interface endpoint, e.g. `<base>-vpce-secretsmanager`. */
  interfaceEndpointSecurityGroup(service: string): string {
    return `${this.base}-vpce-${service}`;
  }

  /** Security group whose members (a CI runner, a bastion) reach PostgreSQL and the interface endpoints. */
  operatorsSecurityGroup(): string {
    return `${this.base}-operators`;
  }

  /** The SNS topic every alarm notifies, when the pipeline creates it. */
  alertTopic(): string {
    return `${this.base}-alerts`;
  }

  /** Security group the MSK Connect workers run in. */
  connectorsSecurityGroup(): string {
    return `${this.base}-connectors`;
  }

  vpcFlowLogsRole(): string {
    return `${this.base}-vpc-flow-logs`;
  }

  vpcFlowLogGroup(): string {
    return this.logGroup("vpc-flow-logs");
  }

  /** The pipeline's KMS key alias, with its `alias/` prefix. */
  kmsKeyAlias(): string {
    return `alias/${this.base}`;
  }

  /** RDS instance identifier; also its DB subnet group and security group. */
  rdsInstance(): string {
    return `${this.base}-postgres`;
  }

  /** `name_prefix` of the DB parameter group of a family such as postgres15. */
  rdsParameterGroupPrefix(family: string): string {
    return `${this.rdsInstance()}-${family}-`;
  }

  /** Final snapshot identifier before the creation timestamp (YYYYMMDDhhmmss) is appended. */
  rdsFinalSnapshotPrefix(): string {
    return `${this.rdsInstance()}-final-`;
  }

  databaseAlarm(kind: DatabaseAlarmKind): string {
    return `${this.rdsInstance()}-${kind}`;
  }

  /** Alarm on one broker's data-log disk, e.g. `<base>-msk-broker-1-disk` (MSK numbers brokers from 1). */
  brokerDiskAlarm(brokerId: number): string {
    return `${this.mskCluster()}-broker-${brokerId}-disk`;
  }

  /** MSK cluster name; also its security group. */
  mskCluster(): string {
    return `${this.base}-msk`;
  }

  /**
   * MSK configuration named from its Kafka version and content hash: `kafka_versions` forces a replacement
   * and a configuration in use cannot be deleted, so a new version or new settings make a new one (created
   * before the old one is destroyed), e.g. `<base>-msk-3-6-0-1a2b3c4d`.
   */
  mskConfiguration(kafkaVersion: string, contentHash: string): string {
    return `${this.mskCluster()}-${kafkaVersion.replaceAll(".", "-")}-${contentHash}`;
  }

  mskStorageScalingPolicy(): string {
    return `${this.mskCluster()}-broker-storage`;
  }

  brokerLogGroup(): string {
    return this.logGroup("msk-broker");
  }

  /** `bucket_prefix` of the data lake (Terraform appends a unique suffix). */
  lakeBucketPrefix(): string {
    return `${this.base}-lake-`;
  }

  /**
   * The lake's Glue database, `<project>_<environment>_lake`: Athena reads names of lowercase letters, digits
   * and underscores only.
   * @see https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html
   */
  glueDatabase(): string {
    return `${this.pgBase}_lake`;
  }

  /**
   * A captured table's Glue table: its change topic, lowercase, every character Athena does not accept in a
   * name (`.` and `-`) an underscore, e.g. `cdc-lake-demo.public.student` -> `cdc_lake_demo_public_student`.
   */
  lakeTable(topic: string): string {
    return topic.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  }

  /** A captured table's view: its Glue table's name, then `_current` (state now) or `_changes` (the history). */
  lakeView(topic: string, kind: LakeViewKind): string {
    return `${this.lakeTable(topic)}_${kind}`;
  }

  /** The Athena workgroup analysts query the lake in. */
  athenaWorkgroup(): string {
    return `${this.base}-lake`;
  }

  /** The managed IAM policy to attach to analysts: read the lake, query it in the workgroup. */
  lakeAnalystPolicy(): string {
    return `${this.base}-lake-analyst`;
  }

  /** `bucket_prefix` of the connector-plugin bucket. */
  pluginBucketPrefix(): string {
    return `${this.base}-plugins-`;
  }

  /**
   * MSK Connect connector; also its service execution role. A Debezium source of an existing database
   * (`source`, the config's `sources[].name`) is `<base>-<source>-debezium-source`.
   */
  connector(kind: ConnectorKind, source?: string): string {
    return `${this.base}-${connectorPart(kind, source)}`;
  }

  connectorRole(kind: ConnectorKind, source?: string): string {
    return this.connector(kind, source);
  }

  /** Worker configuration named from its content hash (they can be neither updated nor deleted). */
  workerConfiguration(kind: ConnectorKind, contentHash: string, source?: string): string {
    return `${this.connector(kind, source)}-worker-${contentHash}`;
  }

  /** Alarm on a connector, e.g. `<base>-<source>-debezium-source-errored-tasks`. */
  connectorAlarm(kind: ConnectorKind, alarm: ConnectorAlarmKind, source?: string): string {
    return `${this.connector(kind, source)}-${alarm}`;
  }

  /** The CloudWatch dashboard of the whole pipeline, source to lake. */
  dashboard(): string {
    return `${this.base}-pipeline`;
  }

  /** Custom plugin named from its zip's hash (plugins are immutable). */
  customPlugin(pluginId: string, zipHash: string): string {
    return `${this.base}-${pluginId}-${zipHash}`;
  }

  connectorLogGroup(kind: ConnectorKind, source?: string): string {
    return this.logGroup(`msk-connect/${connectorPart(kind, source)}`);
  }

  /** Debezium's offsets topic, outside the `__amazon_msk_connect_` prefix AWS suggests cleaning up. */
  debeziumOffsetTopic(source?: string): string {
    return `${this.connector("debezium-source", source)}.offsets`;
  }

  /** Debezium topic.prefix unless configured: `<base>`, or `<base>-<source>` for an existing database. */
  defaultTopicPrefix(source?: string): string {
    return source ? `${this.base}-${source}` : this.base;
  }

  /** Secrets Manager name prefix of a PostgreSQL role's credentials (a unique suffix follows). */
  postgresSecretPrefix(role: string): string {
    return `${this.base}/postgres/${role}-`;
  }

  /** PostgreSQL role Debezium connects as, unless configured; `<base>_<source>_cdc` for an existing database. */
  defaultCdcRole(source?: string): string {
    return `${this.pgSource(source)}_cdc`;
  }

  defaultPublication(source?: string): string {
    return `${this.pgSource(source)}_publication`;
  }

  defaultReplicationSlot(source?: string): string {
    return `${this.pgSource(source)}_slot`;
  }

  private pgSource(source?: string): string {
    return source ? `${this.pgBase}_${source.replaceAll("-", "_")}` : this.pgBase;
  }

  /** CloudWatch log group names are paths: `/<project>/<environment>/<component>`. */
  private logGroup(component: string): string {
    return `/${this.project}/${this.environment}/${component}`;
  }

  /**
   * Every derived name with the limit of the service that receives it, longest variable parts assumed.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
   * @see https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
   * @see https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-catalog-databases.html (Name: 1 to 255)
   * @see https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html (Name: [a-zA-Z0-9._-]{1,128})
   * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html (PolicyName: 1 to 128)
   */
  limits(source?: string): readonly NameLimit[] {
    if (source !== undefined) return this.sourceLimits(source);
    const hash = "0".repeat(8);
    const pg = /^[a-z_][a-z0-9_]*$/;
    return [
      // S3 bucket names are at most 63 characters, of which Terraform's suffix takes 26.
      {
        what: "S3 data-lake bucket prefix",
        name: this.lakeBucketPrefix(),
        maxLength: 63 - TERRAFORM_PREFIX_SUFFIX,
      },
      {
        what: "S3 connector-plugin bucket prefix",
        name: this.pluginBucketPrefix(),
        maxLength: 63 - TERRAFORM_PREFIX_SUFFIX,
      },
      { what: "RDS instance identifier", name: this.rdsInstance(), maxLength: 63 },
      {
        what: "RDS DB parameter group name prefix",
        name: this.rdsParameterGroupPrefix("postgres17"),
        maxLength: 255 - TERRAFORM_PREFIX_SUFFIX,
      },
      {
        what: "RDS final snapshot identifier",
        name: `${this.rdsFinalSnapshotPrefix()}YYYYMMDDhhmmss`,
        maxLength: 255,
      },
      { what: "MSK cluster name", name: this.mskCluster(), maxLength: 64 },
      // Kafka versions are x.y.z; two digits each is the longest assumed.
      { what: "MSK configuration name", name: this.mskConfiguration("99.99.99", hash), maxLength: 64 },
      { what: "SNS topic name", name: this.alertTopic(), maxLength: 256 },
      ...(["debezium-source", "s3-sink"] as const).flatMap((kind) => [
        { what: "MSK Connect connector name", name: this.connector(kind), maxLength: 128 },
        {
          what: "MSK Connect worker configuration name",
          name: this.workerConfiguration(kind, hash),
          maxLength: 64,
        },
        { what: "IAM role name", name: this.connectorRole(kind), maxLength: 64 },
      ]),
      {
        what: "MSK Connect custom plugin name",
        name: this.customPlugin("debezium-postgres", hash),
        maxLength: 128,
      },
      { what: "IAM role name", name: this.vpcFlowLogsRole(), maxLength: 64 },
      { what: "CloudWatch alarm name", name: this.databaseAlarm("replication-slot-lag"), maxLength: 255 },
      { what: "CloudWatch dashboard name", name: this.dashboard(), maxLength: 255 },
      { what: "Application Auto Scaling policy name", name: this.mskStorageScalingPolicy(), maxLength: 256 },
      {
        what: "security group name",
        name: this.interfaceEndpointSecurityGroup("secretsmanager"),
        maxLength: 255,
      },
      { what: "KMS alias", name: this.kmsKeyAlias(), maxLength: 256 },
      { what: "CloudWatch log group name", name: this.connectorLogGroup("debezium-source"), maxLength: 512 },
      { what: "PostgreSQL role name", name: this.defaultCdcRole(), maxLength: 63, pattern: pg },
      { what: "PostgreSQL publication name", name: this.defaultPublication(), maxLength: 63, pattern: pg },
      {
        what: "PostgreSQL replication slot name",
        name: this.defaultReplicationSlot(),
        maxLength: 63,
        pattern: pg,
      },
      // Glue: 1 to 255 characters; Athena: lowercase letters, digits and _ only.
      { what: "Glue database name", name: this.glueDatabase(), maxLength: 255, pattern: /^[a-z0-9_]+$/ },
      // Athena: 1 to 128 characters of [a-zA-Z0-9._-] (CreateWorkGroup's Name).
      {
        what: "Athena workgroup name",
        name: this.athenaWorkgroup(),
        maxLength: 128,
        pattern: /^[a-zA-Z0-9._-]+$/,
      },
      { what: "IAM policy name", name: this.lakeAnalystPolicy(), maxLength: 128 },
    ];
  }

  /** The names an existing database's source adds (its connector, role, logs and PostgreSQL names). */
  private sourceLimits(source: string): readonly NameLimit[] {
    const hash = "0".repeat(8);
    const pg = /^[a-z_][a-z0-9_]*$/;
    const kind = "debezium-source";
    return [
      { what: "MSK Connect connector name", name: this.connector(kind, source), maxLength: 128 },
      {
        what: "MSK Connect worker configuration name",
        name: this.workerConfiguration(kind, hash, source),
        maxLength: 64,
      },
      { what: "IAM role name", name: this.connectorRole(kind, source), maxLength: 64 },
      { what: "CloudWatch log group name", name: this.connectorLogGroup(kind, source), maxLength: 512 },
      { what: "PostgreSQL role name", name: this.defaultCdcRole(source), maxLength: 63, pattern: pg },
      {
        what: "PostgreSQL publication name",
        name: this.defaultPublication(source),
        maxLength: 63,
        pattern: pg,
      },
      {
        what: "PostgreSQL replication slot name",
        name: this.defaultReplicationSlot(source),
        maxLength: 63,
        pattern: pg,
      },
    ];
  }

  /**
   * The tightest service limit the derived names exceed, if any, worded for the user: the pipeline's own
   * names, or (with `source`) those an existing database's source adds.
   */
  lengthProblem(source?: string): string | undefined {
    const over = this.limits(source)
      .map((limit) => ({ limit, allowed: limit.maxLength - (limit.name.length - this.base.length) }))
      .filter(({ limit }) => limit.name.length > limit.maxLength)
      .sort((a, b) => a.allowed - b.allowed)[0];
    if (!over) return undefined;
    const { limit, allowed } = over;
    const shorten =
      source === undefined
        ? `shorten project + environment to ${allowed} characters together`
        : `shorten the source's name, or project + environment (now ${this.base.length} characters together)`;
    return (
      `${limit.what} "${limit.name}" would be ${limit.name.length} characters; expected at most ` +
      `${limit.maxLength} (${shorten})`
    );
  }

  /** Derived names with characters their service refuses (project and environment are checked already). */
  characterProblem(source?: string): string | undefined {
    const bad = this.limits(source).find((limit) => limit.pattern && !limit.pattern.test(limit.name));
    return bad && `${bad.what} "${bad.name}" has characters the service refuses`;
  }
}

/** A connector's part of its names: the kind, after the source's name for an existing database. */
function connectorPart(kind: ConnectorKind, source?: string): string {
  return source ? `${source}-${kind}` : kind;
}

/** A derived name and the limit of the service that receives it. */
export interface NameLimit {
  readonly what: string;
  readonly name: string;
  readonly maxLength: number;
  /** Characters the service accepts, where stricter than project/environment's own pattern. */
  readonly pattern?: RegExp;
}
