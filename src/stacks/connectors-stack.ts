import { Annotations, Fn, TerraformOutput, type TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type { ConnectorsConfig, QueryConfig, SourceConfig } from "../config/pipeline-config";
import { MANAGED_SOURCE_KEY } from "../config/sections/sources";
import { LakeAnalystPolicy } from "../constructs/lake/analyst-policy";
import { LakeWorkgroup } from "../constructs/lake/athena-workgroup";
import { LakeCatalog } from "../constructs/lake/lake-catalog";
import { type LakeViewSpec, LakeViews } from "../constructs/lake/lake-views";
import { ConnectorPlugin } from "../constructs/msk-connect/connector-plugin";
import { DebeziumSource } from "../constructs/msk-connect/debezium-source";
import { KafkaClusterArns } from "../constructs/msk-connect/kafka-cluster-arns";
import type { MskConnectPlacement } from "../constructs/msk-connect/msk-connector";
import { S3Sink } from "../constructs/msk-connect/s3-sink";
import { ConnectorAlarms } from "../constructs/observability/connector-alarms";
import { type DashboardSource, PipelineDashboard } from "../constructs/observability/pipeline-dashboard";
import { ReplicationSlotLifecycle } from "../constructs/postgres/replication-slot-lifecycle";
import { PrivateBucket } from "../constructs/storage/private-bucket";
import { ConfigProblems } from "../errors";
import { debeziumTopics } from "../kafka-connect/debezium-settings";
import {
  SINK_JSON_LINES_CARRY_SCHEMA,
  SINK_PARTITIONING,
  TOPICS_DIR,
} from "../kafka-connect/s3-sink-settings";
import { type PluginArtifact, pluginWarnings } from "../plugins/inspect-plugin";
import { canaryTableOf } from "../sql/capture-sql";
import {
  hasCurrentStateView,
  type LakeViewSource,
  lakeTableColumns,
  viewColumns,
  viewRelation,
  viewSqlTemplate,
} from "../sql/lake-views";
import { quoteIdent } from "../sql/quote";
import type { CaptureReady } from "./database-stack";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack";

export const DEBEZIUM_PLUGIN = "debezium-postgres";
export const S3_SINK_PLUGIN = "s3-sink";

export interface ConnectorsStackProps extends PipelineStackProps {
  readonly naming: Naming;
  readonly connectors: ConnectorsConfig;
  /** One Debezium connector each, with where it reaches the database and what the database stack made ready. */
  readonly sources: readonly ConnectorSource[];
  /** Replication factor of the topics Debezium creates (the cluster's default). */
  readonly replicationFactor: number;
  readonly logRetentionDays: number;
  /** The plugin bucket follows the lake's settings. */
  readonly pluginBucket: { readonly forceDestroy: boolean; readonly noncurrentVersionDays: number };
  /**
   * The plugins with their pins (connectors.lock.json) and Terraform paths: every one is declared, with or
   * without its zip on disk; the plan refuses a plugin whose pin is unrecorded or whose zip is missing or
   * not the pinned one.
   */
  readonly plugins: readonly PluginArtifact[];
  /**
   * Where the connectors' alarms notify, as this stack reads it (PlatformStack.alarmTopicArnFor).
   * @default - nowhere: the alarms show in the console only (guardrail CDC-OBS1)
   */
  readonly alarmTopicArn?: (reader: TerraformStack) => string | undefined;
  /** Brokers of the MSK cluster (streaming.brokerCount), for the dashboard. */
  readonly brokerCount: number;
  /**
   * Querying the lake (config `query`): Glue catalog, views, Athena workgroup, analyst policy.
   * @default - none of them
   */
  readonly query?: QueryConfig;
  /** From the platform stack. */
  readonly platform: {
    readonly kafkaClusterArn: string;
    readonly bootstrapBrokers: string;
    readonly workloadSubnetIds: readonly string[];
    readonly connectorsSecurityGroupId: string;
    readonly lakeBucketName: string;
    readonly lakeBucketArn: string;
    /** The lake's KMS key, when the pipeline has its own. */
    readonly keyArn?: string;
  };
}

/** A source as the connectors see it. */
export interface ConnectorSource {
  readonly config: SourceConfig;
  /** Where Debezium reaches PostgreSQL: the RDS instance's address, or the existing database's endpoint. */
  readonly address: string;
  readonly port: number;
  /** From the database stack: ready once grants, publication, slot and secret exist. */
  readonly capture: CaptureReady;
}

/**
 * A plugin the app was given no description of (a test building the app with no plugins): declared all
 * the same, unpinned, so the plan refuses it, and synth says so.
 */
function undescribedPlugin(pluginId: string): PluginArtifact {
  const file = `${pluginId}.zip`;
  return {
    state: "unpinned",
    spec: { id: pluginId, description: pluginId, file, connectorClass: "", sources: [] },
    terraformPath: `../../../connectors/${file}`,
  };
}

/**
 * Terraform addresses of the connectors' role, worker configuration and logs before the connector
 * constructs owned them (issue 9): `moved` blocks keep a deployed pipeline's resources, including the
 * worker configurations, which can be neither deleted nor re-created under their name.
 */
const PREVIOUS_ADDRESSES = {
  debezium: {
    role: "aws_iam_role.DebeziumRole_0A7FB530",
    rolePolicy: "aws_iam_role_policy.DebeziumRole_Permissions_8A7520CC",
    workerConfiguration: "aws_mskconnect_worker_configuration.DebeziumWorkerConfiguration_B4072993",
    logGroup: "aws_cloudwatch_log_group.Logs-debezium-source_4646C9EA",
  },
  s3Sink: {
    role: "aws_iam_role.S3SinkRole_F812F7EE",
    rolePolicy: "aws_iam_role_policy.S3SinkRole_Permissions_288321AC",
    workerConfiguration: "aws_mskconnect_worker_configuration.S3SinkWorkerConfiguration_62A694F6",
    logGroup: "aws_cloudwatch_log_group.Logs-s3-sink_156D07A5",
  },
} as const;

/**
 * Kafka Connect keeps a connector's configuration (and each task's) as one record of its config topic, and
 * the worker's producer refuses a record over its max.request.size, 1 MiB unless set otherwise. MSK Connect's
 * API sets no size of its own on connectorConfiguration (a map of strings).
 * @see https://kafka.apache.org/documentation/#producerconfigs_max.request.size
 */
export const CONNECT_CONFIG_RECORD_MAX_BYTES = 1_048_576;
/** Room kept for the configuration's keys and values that do not grow with tables, and the record's framing. */
export const CONNECT_CONFIG_FIXED_RESERVE_BYTES = 16_384;

/**
 * The problem with the connector configuration values that grow with the captured tables (Debezium's
 * `table.include.list`, the sink's `topics`), in the words of the config, or undefined when they fit.
 */
export function connectorConfigurationProblem(
  tables: readonly { schema: string; table: string }[],
  topics: readonly string[],
  field = "capture.tables",
): string | undefined {
  const allowed = CONNECT_CONFIG_RECORD_MAX_BYTES - CONNECT_CONFIG_FIXED_RESERVE_BYTES;
  const values = [
    [
      "the Debezium source's table.include.list",
      tables.map((t) => `${t.schema}.${t.table}`).join(","),
      tables.length,
    ],
    ["the S3 sink's topics", topics.join(","), topics.length],
  ] as const;
  for (const [what, value, count] of values) {
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > allowed) {
      return (
        `${field}: got ${count} tables; ${what} would be ${bytes.toLocaleString("en-US")} bytes, ` +
        `over the ${allowed.toLocaleString("en-US")} a connector configuration has room for (Kafka Connect stores it ` +
        `as one record of at most ${CONNECT_CONFIG_RECORD_MAX_BYTES.toLocaleString("en-US")} bytes, the ` +
        "producer's max.request.size): capture fewer tables, or shorter names, per pipeline"
      );
    }
  }
  return undefined;
}

/**
 * `<env>-connectors`: the seed's two connectors on MSK Connect (Kafka Connect 2.7.1): Debezium reads the
 * database stack's publication through its slot and writes one topic per table; the S3 sink writes those
 * topics to the data lake as JSON. AWS provider only: applying it needs no path to PostgreSQL; destroying it
 * does (the replication slot is dropped once the connector is gone).
 */
export class ConnectorsStack extends PipelineStack {
  /** One per source, in the order of `props.sources`. */
  readonly debezium: readonly DebeziumSource[];
  readonly s3Sink: S3Sink;
  /** The change topics, one per captured table of every source: what Debezium writes and the sink reads. */
  readonly topics: readonly string[];

  constructor(scope: Construct, id: string, props: ConnectorsStackProps) {
    super(scope, id, props);
    const { naming, connectors, platform } = props;
    const topicsBySource = props.sources.map(({ config }) =>
      debeziumTopics({ topicPrefix: config.capture.topicPrefix, tables: capturedTablesOf(config) }),
    );
    this.topics = topicsBySource.flat();
    const configurationProblems = [
      ...props.sources.map(({ config }, i) =>
        connectorConfigurationProblem(capturedTablesOf(config), topicsBySource[i] ?? [], sourceField(config)),
      ),
      connectorConfigurationProblem(
        [],
        this.topics,
        props.sources.length > 1 ? "capture.tables and sources[].capture.tables" : undefined,
      ),
    ].filter((p): p is string => p !== undefined);
    if (configurationProblems.length > 0) throw new ConfigProblems([...new Set(configurationProblems)]);

    // Plugins: named and keyed by their pins, so the stack is complete with or without the zips on disk;
    // their uploads' preconditions refuse the plan until each zip is there and is the pinned one.
    const pluginBucket = new PrivateBucket(this, "PluginBucket", {
      bucketPrefix: naming.pluginBucketPrefix(),
      forceDestroy: props.pluginBucket.forceDestroy,
      versioning: { noncurrentVersionDays: props.pluginBucket.noncurrentVersionDays },
    });
    const undescribed = [DEBEZIUM_PLUGIN, S3_SINK_PLUGIN].filter(
      (pluginId) => !props.plugins.some((p) => p.spec.id === pluginId),
    );
    const artifacts = [...props.plugins, ...undescribed.map(undescribedPlugin)];
    for (const warning of pluginWarnings(props.plugins)) Annotations.of(this).addWarning(warning);
    if (undescribed.length > 0) {
      Annotations.of(this).addWarning(
        `the app was given no description of the connector plugin(s) ${undescribed.join(", ")}: declared unpinned, so the plan refuses them`,
      );
    }
    const plugin = (pluginId: string) => {
      const artifact = artifacts.find((p) => p.spec.id === pluginId) as PluginArtifact;
      return new ConnectorPlugin(this, `Plugin-${pluginId}`, {
        name: (zipHash) => naming.customPlugin(pluginId, zipHash),
        artifact,
        bucket: pluginBucket,
      });
    };
    const debeziumPlugin = plugin(DEBEZIUM_PLUGIN);
    const sinkPlugin = plugin(S3_SINK_PLUGIN);

    const kafka = new KafkaClusterArns(platform.kafkaClusterArn);
    // Where every connector runs: the platform's workload subnets and connectors' group.
    const placement: MskConnectPlacement = {
      bootstrapServers: platform.bootstrapBrokers,
      subnetIds: platform.workloadSubnetIds,
      securityGroupIds: [platform.connectorsSecurityGroupId],
    };
    const connector = (kind: "debezium-source" | "s3-sink", source?: string) => ({
      connectorName: naming.connector(kind, source),
      roleName: naming.connectorRole(kind, source),
      workerConfigurationName: (contentHash: string) => naming.workerConfiguration(kind, contentHash, source),
      logGroupName: naming.connectorLogGroup(kind, source),
      logRetentionDays: props.logRetentionDays,
      kafka,
      placement,
    });

    // One Debezium connector per source (one slot has one reader). The managed source's constructs live at
    // the stack's root, where they always have; an existing database's under `Source-<name>`.
    this.debezium = props.sources.map(({ config, address, port, capture }) => {
      const scope: Construct =
        config.name === undefined ? this : new Construct(this, `Source-${config.name}`);
      const debezium = new DebeziumSource(scope, "Debezium", {
        ...connector("debezium-source", config.name),
        plugin: debeziumPlugin,
        region: props.region,
        jsonSchemas: connectors.jsonSchemas,
        offsetTopic: naming.debeziumOffsetTopic(config.name),
        credentialsSecretArn: capture.cdcSecretArn,
        // A rotated password (a new secret version, set on the role first) replaces the connector.
        credentialsVersion: capture.cdcSecretVersionId,
        mcuCount: connectors.source.mcuCount,
        terraform: { join: Fn.join },
        settings: {
          databaseHost: address,
          // A configured port is a number here; the RDS instance's, a token to turn into a string.
          databasePort: Token.isUnresolved(port) ? Fn.tostring(port) : String(port),
          databaseName: config.databaseName,
          credentialsSecretName: capture.cdcSecretName,
          heartbeatTable: capture.heartbeatTable,
          publicationName: capture.publicationName,
          slotName: capture.replicationSlotName,
          topicPrefix: config.capture.topicPrefix,
          tables: capturedTablesOf(config),
          snapshotMode: connectors.snapshotMode,
          heartbeatIntervalMs: connectors.heartbeatIntervalMs,
          replicationFactor: props.replicationFactor,
        },
      });
      if (config.name === undefined) debezium.movedFrom(PREVIOUS_ADDRESSES.debezium);
      // The slot lives and dies with its reader: Debezium creates it on first start; destroy deletes the
      // connector first, then drops the slot (psql, from the machine that runs destroy).
      new ReplicationSlotLifecycle(scope, "ReplicationSlot", {
        slotName: capture.replicationSlotName,
        connection: {
          host: config.connectThrough?.host ?? address,
          port: config.connectThrough?.port ?? port,
          database: config.databaseName,
        },
        credentialsSecretArn: capture.cdcSecretArn,
        region: props.region,
      }).readBy(debezium.connector);
      return debezium;
    });

    // One sink writes every source's topics: the lake's layout (topics/<topic>/...) keeps sources apart by
    // their topic prefixes, and one consumer group scales with the total load.
    this.s3Sink = new S3Sink(this, "S3Sink", {
      ...connector("s3-sink"),
      plugin: sinkPlugin,
      jsonSchemas: connectors.jsonSchemas,
      bucketArn: platform.lakeBucketArn,
      bucketKeyArn: platform.keyArn,
      capacity: connectors.sink.capacity,
      topicPrefixes: props.sources.map(({ config }) => config.capture.topicPrefix),
      settings: {
        topics: this.topics,
        bucketName: platform.lakeBucketName,
        region: props.region,
        flushSize: connectors.flushSize,
        rotateScheduleIntervalMs: connectors.rotateScheduleIntervalMs,
      },
      // The sink reads what the sources create: start it last.
      after: this.debezium.map((d) => d.connector),
    });
    this.s3Sink.movedFrom(PREVIOUS_ADDRESSES.s3Sink);
    this.watch(props);
    if (props.query?.enabled) this.makeQueryable(props, props.query, topicsBySource);

    new TerraformOutput(this, "change_topics", {
      value: this.topics,
      description: "Kafka topics, one per table",
    });
    new TerraformOutput(this, "plugin_bucket_name", {
      value: pluginBucket.name,
      description: "Connector plugin zips",
    });
    const managed = props.sources.findIndex(({ config }) => config.name === undefined);
    if (managed >= 0) {
      new TerraformOutput(this, "debezium_connector_arn", { value: this.debezium[managed]?.arn });
    }
    new TerraformOutput(this, "debezium_connector_arns", {
      value: Object.fromEntries(
        props.sources.map(({ config }, i) => [config.name ?? MANAGED_SOURCE_KEY, this.debezium[i]?.arn]),
      ),
      description: "Debezium connector per source (managed: the RDS instance the pipeline creates)",
    });
    new TerraformOutput(this, "s3_sink_connector_arn", { value: this.s3Sink.arn });
    new TerraformOutput(this, "lake_prefix", {
      value: `s3://${platform.lakeBucketName}/${TOPICS_DIR}/`,
      description: "Where the change events land: <topic>/year=/month=/day=/hour=/ JSON objects",
    });
  }

  /**
   * The lake made queryable: a Glue table per captured table over its topic's folder (partitions projected
   * from the sink's own layout), its views, the Athena workgroup, and a policy for analysts, as outputs.
   */
  private makeQueryable(props: ConnectorsStackProps, query: QueryConfig, topicsBySource: string[][]): void {
    const { naming, platform } = props;
    const databaseName = naming.glueDatabase();
    const tables = props.sources.flatMap(({ config }, i) =>
      capturedTablesOf(config).map((table, j) => {
        const topic = topicsBySource[i]?.[j] as string;
        // capturedTablesOf: the config's tables in order, then the canary (whose columns the config does not give).
        const columns = config.capture.tables[j]?.columns;
        const source: LakeViewSource = {
          relation: `${quoteIdent(databaseName)}.${quoteIdent(naming.lakeTable(topic))}`,
          // What the lines hold, whatever connectors.jsonSchemas: the bare envelope (s3-sink-settings.ts).
          jsonSchemas: SINK_JSON_LINES_CARRY_SCHEMA,
          keyColumns: columns?.filter((c) => c.primaryKey).map((c) => c.name),
          columns: columns?.map((c) => ({ name: c.name, type: c.type })),
          // The Glue table's partition keys (LakeCatalog projects the same layout).
          partitionKeys: SINK_PARTITIONING.fields,
        };
        return { topic, table, field: sourceField(config), source };
      }),
    );
    const problems = lakeNameProblems(naming, tables);
    if (problems.length > 0) throw new ConfigProblems(problems);

    const catalog = new LakeCatalog(this, "LakeCatalog", {
      databaseName,
      bucketName: platform.lakeBucketName,
      firstPartitionYear: query.firstPartitionYear,
      tables: tables.map(({ topic, source }) => ({
        topic,
        name: naming.lakeTable(topic),
        columns: lakeTableColumns(source),
      })),
    });
    new LakeViews(this, "LakeViews", {
      databaseName,
      databaseRef: catalog.databaseReference,
      reads: catalog.tables,
      views: tables.flatMap(({ topic, table, source }): LakeViewSpec[] => {
        const what = `${table.schema}.${table.table}`;
        const changes: LakeViewSpec = {
          name: naming.lakeView(topic, "changes"),
          description: `Every change of ${what}: operation, commit time, LSN, the row before and after`,
          sqlTemplate: viewSqlTemplate("changes", source, "athena"),
          relation: viewRelation(source),
          columns: viewColumns(source, "changes").map((c) => ({ name: c.name, prestoType: c.type })),
        };
        if (!hasCurrentStateView(source)) return [changes];
        return [
          {
            name: naming.lakeView(topic, "current"),
            description: `The rows of ${what} as they are now: the last change per primary key, deletes dropped`,
            sqlTemplate: viewSqlTemplate("current-state", source, "athena"),
            relation: viewRelation(source),
            columns: viewColumns(source, "current-state").map((c) => ({ name: c.name, prestoType: c.type })),
          },
          changes,
        ];
      }),
    });
    const workgroup = new LakeWorkgroup(this, "LakeWorkgroup", {
      name: naming.athenaWorkgroup(),
      bucketName: platform.lakeBucketName,
      kmsKeyArn: platform.keyArn,
      bytesScannedCutoffPerQueryMiB: query.bytesScannedCutoffPerQueryMiB,
      // The lake's storage.forceDestroy, which the plugin bucket follows too.
      forceDestroy: props.pluginBucket.forceDestroy,
    });
    const policy = new LakeAnalystPolicy(this, "LakeAnalystPolicy", {
      name: naming.lakeAnalystPolicy(),
      bucketArn: platform.lakeBucketArn,
      workgroupArn: workgroup.arn,
      databaseArn: catalog.database.arn,
      databaseName,
      kmsKeyArn: platform.keyArn,
      region: props.region,
    });

    new TerraformOutput(this, "lake_database", {
      value: catalog.database.name,
      description:
        "Glue database of the lake: a table per captured table, <table>_current and <table>_changes views",
    });
    new TerraformOutput(this, "athena_workgroup", {
      value: workgroup.workgroup.name,
      description: "Athena workgroup to query the lake in (results encrypted, scans capped per query)",
    });
    new TerraformOutput(this, "athena_results_location", {
      value: workgroup.outputLocation,
      description: "Where the workgroup writes query results",
    });
    new TerraformOutput(this, "lake_analyst_policy_arn", {
      value: policy.arn,
      description: "IAM policy to attach to analysts: query the lake in its workgroup, read only",
    });
  }

  /** Alarms on every connector, and the dashboard of the whole pipeline, source to lake. */
  private watch(props: ConnectorsStackProps): void {
    const { naming } = props;
    const topicArn = props.alarmTopicArn?.(this);
    const watched = [
      ...this.debezium.map((connector, i) => {
        const source = props.sources[i]?.config.name;
        const what = source === undefined ? "Debezium source" : `Debezium source of ${source}`;
        return { connector, kind: "debezium-source" as const, source, what };
      }),
      { connector: this.s3Sink, kind: "s3-sink" as const, source: undefined, what: "S3 sink" },
    ];
    for (const { connector, kind, source, what } of watched) {
      new ConnectorAlarms(connector, "Alarms", {
        connectorName: connector.connector.name,
        erroredTasksAlarmName: naming.connectorAlarm(kind, "errored-tasks", source),
        runningTasksAlarmName: naming.connectorAlarm(kind, "running-tasks", source),
        description: what,
        topicArn,
      });
    }
    new PipelineDashboard(this, "Dashboard", {
      dashboardName: naming.dashboard(),
      region: props.region,
      // Names from the same config as the platform's resources: no remote state read but the lake's
      // generated bucket name.
      sources: props.sources.map(({ config }): DashboardSource => {
        const server = config.server;
        return server.kind === "managed"
          ? { kind: "rds", dbInstanceIdentifier: naming.rdsInstance() }
          : {
              kind: "existing",
              name: config.name ?? "", // required of an existing database by the config model
              engine: server.engine,
              endpoint: server.endpoint,
              port: server.port,
              databaseName: config.databaseName,
            };
      }),
      connectors: watched.map(({ kind, source }) => ({
        connectorName: naming.connector(kind, source),
        title: naming.connector(kind, source),
      })),
      kafka: { clusterName: naming.mskCluster(), brokerCount: props.brokerCount },
      lakeBucketName: props.platform.lakeBucketName,
    });
  }
}

/** What Debezium captures of a source: its configured tables, then the pipeline's canary (npm run verify). */
function capturedTablesOf(config: SourceConfig): readonly { schema: string; table: string }[] {
  return [...config.capture.tables, canaryTableOf(config.capture.heartbeatSchema)];
}

/** Glue's (and Athena's) longest table or view name. */
const GLUE_NAME_MAX_LENGTH = 255;

/**
 * The problems with the lake's Glue names, in the words of the config: each table's and view's name within
 * Glue's limit, and no two alike (lowercasing and `.`/`-` to `_` can make two topics one name).
 */
export function lakeNameProblems(
  naming: Naming,
  tables: readonly {
    readonly topic: string;
    readonly table: { readonly schema: string; readonly table: string };
    readonly field: string;
    readonly source: LakeViewSource;
  }[],
): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const { topic, table, field, source } of tables) {
    const names = [
      naming.lakeTable(topic),
      ...(hasCurrentStateView(source) ? [naming.lakeView(topic, "current")] : []),
      naming.lakeView(topic, "changes"),
    ];
    for (const name of names) {
      if (name.length > GLUE_NAME_MAX_LENGTH) {
        problems.push(
          `${field}: got ${table.schema}.${table.table}, whose Glue table or view "${name}" would be ` +
            `${name.length} characters; expected at most ${GLUE_NAME_MAX_LENGTH} (Glue's limit on a table name): ` +
            "shorten the topic prefix or the names",
        );
      }
      const owner = owners.get(name);
      if (owner !== undefined && owner !== topic) {
        problems.push(
          `${field}: got ${table.schema}.${table.table}, whose Glue table or view "${name}" is also ` +
            `${owner}'s; expected a distinct name per topic (Glue names are lowercase, . and - become _): ` +
            "rename the table or change a topic prefix",
        );
      }
      owners.set(name, topic);
    }
  }
  return problems;
}

/** Where a source's tables are in the config file, as a message names them. */
function sourceField(config: SourceConfig): string {
  return config.name === undefined ? "capture.tables" : `sources[${config.name}].capture.tables`;
}
