/**
 * What stacks and constructs receive: the configuration file after defaults, checks and derivations.
 * Declared here (not inferred), so a change to the file's shape that would change what the
 * infrastructure receives fails to compile in `resolve.ts`.
 */

/** A pipeline, fully resolved. Field meanings are documented in docs/config.md. */
export interface PipelineConfig {
  readonly project: string;
  readonly environment: string;
  readonly region: string;
  /** Extra tags from the file; Project, Environment and ManagedBy are added by the stacks. */
  readonly tags: Readonly<Record<string, string>>;
  readonly state: StateConfig;
  readonly network: NetworkConfig;
  /** The RDS instance the platform stack creates: present when the managed source is (config `capture`). */
  readonly database?: DatabaseConfig | undefined;
  readonly streaming: StreamingConfig;
  readonly storage: StorageConfig;
  readonly encryption: { readonly customerManagedKey: boolean };
  readonly alerts: AlertsConfig;
  readonly logs: { readonly retentionDays: number };
  readonly connectors: ConnectorsConfig;
  /**
   * Where change data is captured: the managed source first (the RDS instance of `database`, with `capture`),
   * when configured, then the existing databases of `sources`, in the file's order. At least one.
   */
  readonly sources: readonly SourceConfig[];
  /** Querying the lake with Athena (config `query`). */
  readonly query: QueryConfig;
  readonly guardrails: GuardrailsConfig;
}

/** The Glue catalog, Athena workgroup, views and analyst policy over the lake. */
export interface QueryConfig {
  readonly enabled: boolean;
  /** The workgroup's per-query cutoff, in MiB (at least 10). */
  readonly bytesScannedCutoffPerQueryMiB: number;
  /** Days the workgroup's results are kept under athena-results/ before a lifecycle rule deletes them. */
  readonly resultsRetentionDays: number;
  /** The lower bound of the tables' partition projection (year=<firstPartitionYear> to NOW). */
  readonly firstPartitionYear: number;
}

/** Where an existing source runs, as the config's `engine` names it: it decides how CDC is enabled and granted. */
export type SourceEngine = "rds-postgresql" | "aurora-postgresql" | "postgresql";

/** How the connectors' workers reach an existing database. */
export type ConnectorsReach = { readonly securityGroupId: string } | { readonly cidr: string };

/** A PostgreSQL server the pipeline did not create. */
export interface ExistingServer {
  readonly kind: "existing";
  readonly engine: SourceEngine;
  readonly endpoint: string;
  readonly port: number;
  /** Secrets Manager secret holding the admin login's password (JSON `password`, RDS's format). */
  readonly adminSecretArn: string;
  readonly connectorsReach: ConnectorsReach;
}

/**
 * One database whose tables are captured: its own CDC role, publication, slot, heartbeat, Debezium connector
 * and topic prefix.
 */
export interface SourceConfig {
  /**
   * The source's name (`sources[].name`), part of its resources' names; undefined for the managed source, whose
   * resources keep the pipeline's own names (`<project>-<environment>…`), as before sources existed.
   */
  readonly name?: string | undefined;
  /** The platform stack's RDS instance, or an existing server. */
  readonly server: { readonly kind: "managed" } | ExistingServer;
  readonly databaseName: string;
  /** The login the database stack connects as: the RDS master user, or the existing server's admin. */
  readonly adminUsername: string;
  /** The local end of a tunnel the database stack (and destroy's slot cleanup) connects through, when configured. */
  readonly connectThrough?: { readonly host: string; readonly port: number } | undefined;
  readonly capture: CaptureConfig;
}

export type StateConfig =
  | { readonly backend: "local"; readonly directory: string }
  | {
      readonly backend: "s3";
      readonly bucket: string;
      /** The state bucket's region; the pipeline's when not configured. */
      readonly region: string;
      readonly keyPrefix: string;
      readonly kmsKeyId?: string | undefined;
    };

/**
 * An availability zone as the config gives it: by ID (`use1-az4`, the same zone in every account, which
 * is how subnets should be placed) or by name (`us-east-1a`, a different zone in each account).
 */
export type AvailabilityZone =
  | {
      readonly id: string /** The name the zone's subnets were created under, before the config used IDs. */;
      readonly previousName?: string | undefined;
    }
  | { readonly name: string };

/** A subnet in one availability zone. */
export interface SubnetConfig {
  readonly zone: AvailabilityZone;
  readonly cidr: string;
}

export interface NetworkConfig {
  readonly vpcCidr: string;
  /** Configured by ID or by name, or `<region>a`, `b`, `c`. */
  readonly availabilityZones: readonly AvailabilityZone[];
  /** One per availability zone, configured or derived from vpcCidr. */
  readonly publicSubnets: readonly SubnetConfig[];
  /** One per availability zone when workloadSubnets is private; none otherwise (nothing would use them). */
  readonly privateSubnets: readonly SubnetConfig[];
  readonly workloadSubnets: "private" | "public";
  readonly natGateway: boolean;
  readonly flowLogs: boolean;
  readonly operatorAccess: OperatorAccessConfig;
}

/** The operator's declared way in to PostgreSQL and the VPC's interface endpoints. */
export interface OperatorAccessConfig {
  /** Create the operators' security group. */
  readonly securityGroup: boolean;
  readonly cidrs: readonly string[];
  /** ssm, ssmmessages and ec2messages endpoints. */
  readonly sessionManager: boolean;
}

/** Where alarms notify. */
export interface AlertsConfig {
  /** An existing topic. */
  readonly snsTopicArn?: string | undefined;
  /** Subscriptions of the topic the pipeline creates when there is no snsTopicArn (emails included). */
  readonly subscriptions: readonly AlertSubscription[];
}

export interface AlertSubscription {
  readonly protocol: "email" | "email-json" | "https" | "sqs" | "lambda" | "sms";
  readonly endpoint: string;
}

export type LogExport = "postgresql" | "upgrade" | "iam-db-auth-error";

export interface DatabaseConfig {
  /** Major version, e.g. "15". */
  readonly engineVersion: string;
  readonly engineMajor: number;
  /** `postgres<major>`. */
  readonly parameterGroupFamily: string;
  readonly instanceClass: string;
  readonly allocatedStorageGiB: number;
  readonly port: number;
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly publiclyAccessible: boolean;
  readonly allowedCidrs: readonly string[];
  readonly allowInternetIngress: boolean;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly skipFinalSnapshot: boolean;
  readonly backupRetentionDays: number;
  readonly performanceInsights: boolean;
  readonly logExports: readonly LogExport[];
  /** The local end of a tunnel the database stack connects through, when configured. */
  readonly connectThrough?: { readonly host: string; readonly port: number } | undefined;
  /** Configured, or a quarter of the storage. */
  readonly maxSlotWalKeepSizeMiB: number;
}

export interface StreamingConfig {
  readonly kafkaVersion: string;
  readonly brokerInstanceType: string;
  readonly brokerCount: number;
  readonly brokerVolumeGiB: number;
  readonly maxBrokerVolumeGiB: number;
  /** min(3, brokerCount): survives one broker loss when there are three. */
  readonly defaultReplicationFactor: number;
  /** One less than the replication factor (at least 1). */
  readonly minInsyncReplicas: number;
}

export interface StorageConfig {
  readonly bucketName?: string | undefined;
  readonly forceDestroy: boolean;
  readonly versioning: boolean;
  readonly noncurrentVersionDays: number;
  readonly infrequentAccessAfterDays?: number | undefined;
}

/** MSK Connect units per worker (1 MCU = 1 vCPU, 4 GiB). */
export type McuCount = 1 | 2 | 4 | 8;

/** Autoscaled capacity of one MSK Connect connector. */
export interface ConnectorCapacity {
  readonly mcuCount: McuCount;
  readonly minWorkerCount: number;
  readonly maxWorkerCount: number;
  readonly scaleInCpuPercent: number;
  readonly scaleOutCpuPercent: number;
}

export type SnapshotMode = "initial" | "no_data" | "never" | "when_needed";

export interface ConnectorsConfig {
  readonly jsonSchemas: boolean;
  readonly snapshotMode: SnapshotMode;
  readonly heartbeatIntervalMs: number;
  readonly flushSize: number;
  readonly rotateScheduleIntervalMs: number;
  /** The Debezium source: one provisioned worker (its PostgreSQL connector runs one task). */
  readonly source: { readonly mcuCount: McuCount };
  /** The S3 sink: autoscaled. */
  readonly sink: { readonly capacity: ConnectorCapacity };
}

export interface CapturedTableConfig {
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: "full" | "default";
  /** The table's columns when the pipeline creates it; absent for application-owned tables. */
  readonly columns?: readonly ColumnConfig[] | undefined;
}

/** A column of a table the pipeline creates: parsed from the file, never passed through as text. */
export interface ColumnConfig {
  readonly name: string;
  readonly type: ColumnType;
  /** False for primary-key and serial columns. */
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  readonly default?: ColumnDefault | undefined;
}

/** The column types the file may name (each written as PostgreSQL writes it back, e.g. `character varying`). */
export type ColumnBaseType =
  | "smallint"
  | "integer"
  | "bigint"
  | "smallserial"
  | "serial"
  | "bigserial"
  | "boolean"
  | "text"
  | "character varying"
  | "character"
  | "numeric"
  | "real"
  | "double precision"
  | "date"
  | "timestamp without time zone"
  | "timestamp with time zone"
  | "time without time zone"
  | "time with time zone"
  | "interval"
  | "uuid"
  | "json"
  | "jsonb"
  | "bytea";

export interface ColumnType {
  readonly base: ColumnBaseType;
  /** character varying(n), character(n). */
  readonly length?: number | undefined;
  /** numeric(p[,s]); fractional seconds of timestamp(p), time(p), interval(p). */
  readonly precision?: number | undefined;
  /** numeric(p,s). */
  readonly scale?: number | undefined;
  /** `[]` suffixes: 0 for a scalar. */
  readonly arrayDimensions: number;
}

/** Functions a default may call. */
export type ColumnDefaultFunction =
  | "now()"
  | "current_timestamp"
  | "current_date"
  | "current_time"
  | "localtimestamp"
  | "clock_timestamp()"
  | "gen_random_uuid()";

export type ColumnDefault =
  | { readonly kind: "null" }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "empty-array" }
  | { readonly kind: "function"; readonly name: ColumnDefaultFunction };

export interface CaptureConfig {
  readonly tables: readonly CapturedTableConfig[];
  /** Debezium topic.prefix. Configured, or `<project>-<environment>` (managed), `<project>-<environment>-<source>`. */
  readonly topicPrefix: string;
  /** Configured, or `<project>_<environment>_cdc`. */
  readonly cdcRoleName: string;
  readonly cdcPasswordVersion: number;
  /** Configured, or `<project>_<environment>_publication`. */
  readonly publicationName: string;
  /** Configured, or `<project>_<environment>_slot`. */
  readonly slotName: string;
  readonly heartbeatSchema: string;
  /** Configured, or the admin login (the RDS master user for the managed source). */
  readonly tableOwner: string;
}

export interface GuardrailSuppression {
  readonly rule: string;
  readonly resources: readonly string[];
  readonly reason: string;
}

export interface GuardrailsConfig {
  readonly failOn: "error" | "warning";
  readonly suppressions: readonly GuardrailSuppression[];
}
