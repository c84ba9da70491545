import { App, Aspects } from "cdktf";
import { Naming } from "./config/naming";
import type { PipelineConfig, SourceConfig } from "./config/pipeline-config";
import { ConfigProblems } from "./errors";
import { GuardrailsAspect } from "./guardrails/aspect";
import { ALL_RULES } from "./guardrails/rules";
import type { PluginArtifact } from "./plugins/inspect-plugin";
import { ConnectorsStack } from "./stacks/connectors-stack";
import { type CaptureReady, DatabaseStack, type SourceServer } from "./stacks/database-stack";
import { PlatformStack } from "./stacks/platform-stack";

export interface PipelineApp {
  readonly app: App;
  readonly platform: PlatformStack;
  readonly database: DatabaseStack;
  readonly connectors: ConnectorsStack;
  /** Guardrail findings, filled in during synth. */
  readonly guardrails: GuardrailsAspect;
}

export interface BuildOptions {
  /** Where `app.synth()` writes the stacks (cdktf's outdir). */
  readonly outdir: string;
}

/**
 * Composes the pipeline's stacks for one environment: `<env>-platform`, `<env>-database`,
 * `<env>-connectors`. Pure: everything it needs is in its arguments (the entry point reads the config
 * file and inspects the plugin zips), so a test builds it from memory.
 */
export function buildPipelineApp(
  config: PipelineConfig,
  plugins: readonly PluginArtifact[],
  options: BuildOptions,
): PipelineApp {
  checkSuppressedRulesExist(config);
  const naming = new Naming(config.project, config.environment);
  // No stack traces in annotations: they would write machine paths into manifest.json. No cdktf
  // construct validations: the only ones that apply run `terraform version` once per terraform_data
  // (~80 ms each) and fail on a machine with only OpenTofu or no binary yet; the stacks declare
  // required_version >= 1.11 instead, and our own checks run in the config schema and constructors.
  const app = new App({ outdir: options.outdir, skipValidation: true, stackTraces: false });
  const common = {
    region: config.region,
    state: config.state,
    tags: { ...config.tags, Project: config.project, Environment: config.environment, ManagedBy: "cdktf" },
    naming,
  };

  const platform = new PlatformStack(app, naming.stack("platform"), {
    ...common,
    network: config.network,
    database: config.database,
    existingSources: config.sources.flatMap((s) =>
      s.server.kind === "existing" && s.name !== undefined
        ? [{ name: s.name, port: s.server.port, reach: s.server.connectorsReach }]
        : [],
    ),
    streaming: config.streaming,
    storage: config.storage,
    customerManagedKey: config.encryption.customerManagedKey,
    alerts: config.alerts,
    logRetentionDays: config.logs.retentionDays,
    athenaResultsRetentionDays: config.query.enabled ? config.query.resultsRetentionDays : undefined,
  });

  const servers = config.sources.map((source) => serverOf(source, platform, config));
  const database = new DatabaseStack(app, naming.stack("database"), {
    ...common,
    sources: config.sources.map((source, i) => ({ config: source, server: servers[i] as SourceServer })),
  });

  const connectors = new ConnectorsStack(app, naming.stack("connectors"), {
    ...common,
    connectors: config.connectors,
    sources: config.sources.map((source, i) => ({
      config: source,
      address: (servers[i] as SourceServer).address,
      port: (servers[i] as SourceServer).port,
      capture: database.captures[i] as CaptureReady,
    })),
    replicationFactor: config.streaming.defaultReplicationFactor,
    logRetentionDays: config.logs.retentionDays,
    pluginBucket: {
      forceDestroy: config.storage.forceDestroy,
      noncurrentVersionDays: config.storage.noncurrentVersionDays,
    },
    plugins,
    alarmTopicArn: (reader) => platform.alarmTopicArnFor(reader),
    brokerCount: config.streaming.brokerCount,
    query: config.query,
    platform: {
      kafkaClusterArn: platform.kafka.arn,
      bootstrapBrokers: platform.kafka.bootstrapBrokersSaslIam,
      workloadSubnetIds: platform.workloadSubnetIds,
      connectorsSecurityGroupId: platform.connectorsSecurityGroup.id,
      lakeBucketName: platform.lake.name,
      lakeBucketArn: platform.lake.arn,
      keyArn: platform.key?.arn,
    },
  });

  const guardrails = new GuardrailsAspect(ALL_RULES, config.guardrails.suppressions);
  // cdktf invokes aspects per stack, starting at the stack: an aspect on the App would never run.
  for (const stack of [platform, database, connectors]) Aspects.of(stack).add(guardrails);
  return { app, platform, database, connectors, guardrails };
}

/** The config model knows a rule ID's shape; whether the rule exists is known here. */
function checkSuppressedRulesExist(config: PipelineConfig): void {
  const known = new Set(ALL_RULES.map((r) => r.id));
  const problems = config.guardrails.suppressions.flatMap((s, i) =>
    known.has(s.rule)
      ? []
      : [
          `guardrails.suppressions.${i}.rule: got "${s.rule}"; expected a guardrail of RULES.md: ${nearRules(s.rule, [...known])}`,
        ],
  );
  if (problems.length > 0) {
    throw new ConfigProblems(problems);
  }
}

/** Where a source's database runs: the platform's RDS instance, or the existing server the config names. */
function serverOf(source: SourceConfig, platform: PlatformStack, config: PipelineConfig): SourceServer {
  if (source.server.kind === "existing") {
    return {
      address: source.server.endpoint,
      port: source.server.port,
      identity: `${source.server.endpoint}:${source.server.port}/${source.databaseName}`,
      adminSecretArn: source.server.adminSecretArn,
    };
  }
  // The config model puts the managed source in `sources` only with its instance (config.database).
  const rds = platform.database;
  if (!rds || !config.database) throw new Error("the managed source has no RDS instance (config.database)");
  return {
    address: rds.instance.address,
    port: rds.instance.port,
    identity: rds.instance.resourceId,
    adminSecretArn: rds.masterUserSecretArn,
    engineVersion: config.database.engineVersion,
  };
}

/**
 * The rules a mistyped ID most likely meant: those of its family (CDC-RDS99 → the CDC-RDS rules), else every
 * family, so the line stays short as rules are added.
 */
function nearRules(id: string, known: readonly string[]): string {
  const family = (rule: string) => rule.replace(/-?\d+$/, "");
  const same = known.filter((rule) => family(rule) === family(id));
  if (same.length > 0) return same.join(", ");
  return `one of the families ${[...new Set(known.map(family))].map((f) => `${f}*`).join(", ")}`;
}
