/**
 * The pipeline's configuration file: one zod schema, every field described with its default.
 *
 * Defaults are the secure, production-leaning choice; a demo relaxes them explicitly in its own file
 * (see config/demo.yaml), so every relaxation is visible where it is made.
 */
import { z } from "zod";
import { ALL_RULES } from "../guardrails/rules";
import { NAME_PART_PATTERN, Naming } from "../naming";
import { cidrContains, cidrSubnet, cidrsOverlap, formatCidr, isNetworkAddress, parseCidr } from "./cidr";

/** RDS PostgreSQL majors with logical replication through `rds.logical_replication` and a parameter family. */
export const SUPPORTED_POSTGRES_MAJORS = [13, 14, 15, 16, 17] as const;

/** The values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const cidrBlock = z
  .string()
  .refine((v) => parseCidr(v) !== undefined, "expected an IPv4 CIDR block such as 10.0.0.0/16");

/** Unquoted PostgreSQL identifier: what the seed's SQL uses, and what needs no quoting anywhere. */
const pgIdentifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    "expected a lowercase PostgreSQL identifier ([a-z_][a-z0-9_]*, ≤ 63 chars)",
  );

const namePart = (what: string) =>
  z.string().regex(NAME_PART_PATTERN, `expected lowercase letters, digits and single hyphens (${what})`);

const LocalStateSchema = z
  .strictObject({
    backend: z.literal("local").describe("local: state files in a project folder."),
    directory: z
      .string()
      .default("state")
      .describe(
        "Folder for the state files, relative to the project root; one file per stack. Default: state.",
      ),
  })
  .describe(
    "Local state: files in a project folder, written by relative path so cdk.tf.json has no machine path.",
  );

const S3StateSchema = z
  .strictObject({
    backend: z.literal("s3").describe("s3: state objects in an S3 bucket, locked with use_lockfile."),
    bucket: z.string().min(3).describe("Existing S3 bucket for state. Required."),
    region: z.string().optional().describe("Region of the state bucket. Default: the pipeline's region."),
    keyPrefix: z
      .string()
      .default("cdc-lake")
      .describe("Key prefix; each stack's state is <keyPrefix>/<stack>.tfstate. Default: cdc-lake."),
    kmsKeyId: z
      .string()
      .optional()
      .describe(
        "KMS key for state objects. Default: the bucket's default encryption (SSE-S3 or its KMS key).",
      ),
  })
  .describe("S3 state with native locking (use_lockfile): for teams. One key per stack.");

const StateSchema = z
  .discriminatedUnion("backend", [LocalStateSchema, S3StateSchema])
  .default({ backend: "local", directory: "state" })
  .describe("Where Terraform state lives. Default: local, in ./state.");

const NetworkSchema = z
  .strictObject({
    vpcCidr: cidrBlock
      .default("10.0.0.0/16")
      .describe("IPv4 CIDR of the VPC, /16 to /24. Default: 10.0.0.0/16."),
    availabilityZones: z
      .array(z.string())
      .min(2, "expected at least 2 availability zones (RDS subnet groups and MSK need two)")
      .max(3, "expected at most 3 availability zones (MSK spreads brokers over 2 or 3)")
      .optional()
      .describe(
        "Availability zones, 2 or 3, in the pipeline's region. Given in config (not looked up) so plans run offline. " +
          "Default: <region>a, <region>b, <region>c.",
      ),
    publicSubnetCidrs: z
      .array(cidrBlock)
      .optional()
      .describe(
        "One public subnet CIDR per availability zone, in the same order. Default: derived from vpcCidr " +
          "(a /16 gives 10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24).",
      ),
    workloadSubnets: z
      .enum(["private", "public"])
      .default("private")
      .describe(
        "Where RDS, MSK and MSK Connect run. private: subnets with no route to the internet (AWS APIs through " +
          "VPC endpoints); public: the seed's layout, needed for a publicly accessible RDS. Default: private.",
      ),
    privateSubnetCidrs: z
      .array(cidrBlock)
      .optional()
      .describe(
        "One private subnet CIDR per availability zone, when workloadSubnets is private. Default: derived from " +
          "vpcCidr after the public ones (a /16 gives 10.0.10.0/24, 10.0.11.0/24, 10.0.12.0/24).",
      ),
    natGateway: z
      .boolean()
      .default(false)
      .describe(
        "Give the private subnets a NAT gateway to the internet. Nothing in the pipeline needs one: S3 and " +
          "Secrets Manager are reached through VPC endpoints. Default: false.",
      ),
    flowLogs: z
      .boolean()
      .default(true)
      .describe(
        "Record the VPC's traffic in CloudWatch Logs (retention from logs.retentionDays). Default: true.",
      ),
  })
  .default({ vpcCidr: "10.0.0.0/16", workloadSubnets: "private", natGateway: false, flowLogs: true })
  .describe("The VPC and its subnets.");

const DatabaseSchema = z
  .strictObject({
    engineVersion: z
      .string()
      .regex(
        /^\d+$/,
        "expected a major version such as 15: RDS applies minor upgrades itself, and a pinned minor would make the next plan try to downgrade",
      )
      .default("15")
      .describe(
        "RDS PostgreSQL major version; RDS picks and upgrades the minor. The parameter group family " +
          "(postgres<major>) is derived from it. Default: 15.",
      ),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.t3.micro")
      .default("db.t3.micro")
      .describe("RDS instance class. Default: db.t3.micro (demo-sized; raise it for production)."),
    allocatedStorageGiB: z
      .number()
      .int()
      .min(20, "expected at least 20 (the gp3 minimum)")
      .max(65536)
      .default(20)
      .describe("Storage in GiB (gp3, always encrypted). Default: 20."),
    port: z.number().int().min(1150).max(65535).default(5432).describe("PostgreSQL port. Default: 5432."),
    databaseName: pgIdentifier.describe("Database that holds the captured tables. Required."),
    masterUsername: pgIdentifier
      .refine((v) => v !== "rdsadmin" && !v.startsWith("pg_"), "expected a name other than rdsadmin or pg_*")
      .default("cdc_admin")
      .describe(
        "RDS master user. Its password is generated and kept by RDS in Secrets Manager " +
          "(manage_master_user_password); no password is ever written in config or state. Default: cdc_admin.",
      ),
    publiclyAccessible: z
      .boolean()
      .default(false)
      .describe(
        "Give the instance a public address, reachable only from allowedCidrs. Demo relaxation. Default: false.",
      ),
    allowedCidrs: z
      .array(cidrBlock)
      .default([])
      .describe(
        "Operator networks allowed to reach PostgreSQL (e.g. your address from `curl ifconfig.io` as /32). " +
          "0.0.0.0/0 is refused unless allowInternetIngress is true. Default: none.",
      ),
    allowInternetIngress: z
      .boolean()
      .default(false)
      .describe("Explicit opt-in to let allowedCidrs contain 0.0.0.0/0. Default: false."),
    multiAz: z.boolean().default(true).describe("Standby in a second AZ. Default: true."),
    deletionProtection: z.boolean().default(true).describe("Refuse to delete the instance. Default: true."),
    skipFinalSnapshot: z
      .boolean()
      .default(false)
      .describe("Delete without a final snapshot. Demo relaxation. Default: false."),
    backupRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(35)
      .default(7)
      .describe("Automated backup retention in days, 1 to 35. Default: 7."),
    performanceInsights: z
      .boolean()
      .default(true)
      .describe("Performance Insights (7 days, encrypted with the pipeline's key). Default: true."),
    logExports: z
      .array(z.enum(["postgresql", "upgrade", "iam-db-auth-error"]))
      .default(["postgresql", "upgrade"])
      .describe("PostgreSQL logs exported to CloudWatch Logs. Default: postgresql, upgrade."),
    connectThrough: z
      .strictObject({
        host: z.string().min(1).describe("Host the tunnel listens on, e.g. localhost."),
        port: z.number().int().min(1).max(65535).describe("Port the tunnel listens on."),
      })
      .optional()
      .describe(
        "Where the database stack (provider and psql) connects instead of the RDS endpoint: the local end of " +
          "a tunnel to a private RDS, e.g. SSM port forwarding. TLS still applies. Default: the RDS endpoint.",
      ),
    maxSlotWalKeepSizeMiB: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "max_slot_wal_keep_size: WAL a replication slot may hold before PostgreSQL invalidates it, so a " +
          "stopped connector cannot fill the disk. Must be under half the storage. Default: a quarter of " +
          "allocatedStorageGiB.",
      ),
  })
  .describe("The RDS PostgreSQL instance that is the source of change data.");

const StreamingSchema = z
  .strictObject({
    kafkaVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "expected a Kafka version such as 3.6.0")
      .default("3.6.0")
      .describe("MSK Kafka version. Default: 3.6.0."),
    brokerInstanceType: z
      .string()
      .regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, "expected an MSK broker type such as kafka.m5.large")
      .default("kafka.m5.large")
      .describe("MSK broker instance type. Default: kafka.m5.large."),
    brokerCount: z
      .number()
      .int()
      .min(2)
      .default(3)
      .describe("Number of brokers, a multiple of the number of availability zones. Default: 3."),
    brokerVolumeGiB: z
      .number()
      .int()
      .min(1)
      .max(16384)
      .default(100)
      .describe("EBS storage per broker in GiB. Default: 100."),
    maxBrokerVolumeGiB: z
      .number()
      .int()
      .min(1)
      .max(16384)
      .default(1000)
      .describe(
        "Broker storage autoscaling grows each broker's volume up to this size when it is 60% full. Default: 1000.",
      ),
  })
  .default({
    kafkaVersion: "3.6.0",
    brokerInstanceType: "kafka.m5.large",
    brokerCount: 3,
    brokerVolumeGiB: 100,
    maxBrokerVolumeGiB: 1000,
  })
  .describe("The MSK cluster (IAM authentication, TLS everywhere).");

const StorageSchema = z
  .strictObject({
    bucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name (3-63 lowercase chars)")
      .optional()
      .describe(
        "Data-lake bucket name. Default: <project>-<environment>-lake-<unique suffix> (bucket_prefix).",
      ),
    forceDestroy: z
      .boolean()
      .default(false)
      .describe("Let destroy delete a non-empty bucket. Demo relaxation. Default: false."),
    versioning: z
      .boolean()
      .default(true)
      .describe("Keep previous versions of overwritten or deleted objects. Default: true."),
    noncurrentVersionDays: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe("Delete previous object versions after this many days. Default: 30."),
    infrequentAccessAfterDays: z
      .number()
      .int()
      .min(30)
      .optional()
      .describe("Move objects to S3 Standard-IA after this many days (30 at least). Default: never."),
  })
  .default({ forceDestroy: false, versioning: true, noncurrentVersionDays: 30 })
  .describe("The S3 data lake that receives the change events as JSON.");

const AutoscalingSchema = z
  .strictObject({
    mcuCount: z
      .union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)])
      .default(1)
      .describe("MSK Connect units per worker (1 MCU = 1 vCPU, 4 GiB): 1, 2, 4 or 8. Default: 1."),
    minWorkerCount: z.number().int().min(1).max(10).default(1).describe("Fewest workers. Default: 1."),
    maxWorkerCount: z.number().int().min(1).max(10).default(2).describe("Most workers. Default: 2."),
    scaleInCpuPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(20)
      .describe("Remove a worker below this CPU utilization. Default: 20."),
    scaleOutCpuPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(80)
      .describe("Add a worker above this CPU utilization. Default: 80."),
  })
  .describe("Autoscaled capacity of one connector, as in the seed lab.");

const AUTOSCALING_DEFAULTS = {
  mcuCount: 1 as const,
  minWorkerCount: 1,
  maxWorkerCount: 2,
  scaleInCpuPercent: 20,
  scaleOutCpuPercent: 80,
};

const ConnectorsSchema = z
  .strictObject({
    topicPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,100}$/, "expected letters, digits, '_' and '-' (a Kafka topic name part)")
      .optional()
      .describe(
        "Debezium topic.prefix: change events of table s.t go to topic <topicPrefix>.s.t, which the S3 sink " +
          "reads. Default: <project>-<environment>.",
      ),
    jsonSchemas: z
      .boolean()
      .default(false)
      .describe(
        "Embed the Kafka Connect schema in every JSON record (schemas.enable). Off: records are plain JSON, " +
          "what analysts query. Default: false.",
      ),
    snapshotMode: z
      .enum(["initial", "no_data", "never", "when_needed"])
      .default("initial")
      .describe("Debezium snapshot.mode: initial copies the tables once, then streams. Default: initial."),
    heartbeatIntervalMs: z
      .number()
      .int()
      .min(1000)
      .default(60000)
      .describe(
        "Debezium heartbeat.interval.ms: lets the connector confirm WAL positions while the captured tables " +
          "are quiet, so the slot does not pin WAL. Default: 60000.",
      ),
    flushSize: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe("S3 sink flush.size: records per S3 object at most. Default: 1000."),
    rotateScheduleIntervalMs: z
      .number()
      .int()
      .min(10000)
      .default(60000)
      .describe(
        "S3 sink rotate.schedule.interval.ms: wall-clock time after which an open file is committed even if " +
          "no new record arrives. Bounds the delay from a database change to an S3 object. Default: 60000.",
      ),
    capacity: AutoscalingSchema.default(AUTOSCALING_DEFAULTS).describe(
      "Autoscaled capacity of each connector. Default: 1 MCU, 1 to 2 workers, scale in < 20% CPU, out > 80%.",
    ),
  })
  .default({
    jsonSchemas: false,
    snapshotMode: "initial",
    heartbeatIntervalMs: 60000,
    flushSize: 1000,
    rotateScheduleIntervalMs: 60000,
    capacity: AUTOSCALING_DEFAULTS,
  })
  .describe("The Debezium source and S3 sink connectors on MSK Connect (Kafka Connect 2.7.1).");

const AlertsSchema = z
  .strictObject({
    snsTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, "expected an SNS topic ARN")
      .optional()
      .describe(
        "SNS topic the alarms (replication slot lag, free storage) notify. Default: none (console only).",
      ),
  })
  .default({})
  .describe("CloudWatch alarms on the source database.");

const EncryptionSchema = z
  .strictObject({
    customerManagedKey: z
      .boolean()
      .default(true)
      .describe(
        "Encrypt RDS (storage, Performance Insights), MSK at rest and the data lake with one KMS key of the " +
          "pipeline (rotated yearly) instead of AWS managed keys. Default: true.",
      ),
  })
  .default({ customerManagedKey: true })
  .describe("Encryption at rest.");

const RULE_IDS = ALL_RULES.map((r) => r.id) as [string, ...string[]];

const SuppressionSchema = z
  .strictObject({
    rule: z.enum(RULE_IDS).describe("Guardrail ID, e.g. CDC-RDS1 (see RULES.md). Required."),
    resources: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        "Construct paths the exception covers, e.g. demo-platform/Database; '*' matches within a path " +
          "segment, '**' across segments. Required.",
      ),
    reason: z
      .string()
      .min(20, "expected a reason of at least 20 characters: why this relaxation is acceptable here")
      .describe("Why the rule does not apply here, in a sentence. Required."),
  })
  .describe("A declared exception to one guardrail.");

const GuardrailsSchema = z
  .strictObject({
    failOn: z
      .enum(["error", "warning"])
      .default("error")
      .describe(
        "Lowest level that fails synth. warning: every rule is mandatory (the production profile). Default: error.",
      ),
    suppressions: z
      .array(SuppressionSchema)
      .default([])
      .describe("Declared exceptions, each with a reason; synth prints them. Default: none."),
  })
  .default({ failOn: "error", suppressions: [] })
  .describe("Guardrails (RULES.md): error findings fail synth, warnings print, unless suppressed here.");

const LogsSchema = z
  .strictObject({
    retentionDays: z
      .number()
      .refine(
        (v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v),
        `expected one of ${LOG_RETENTION_DAYS.join(", ")}`,
      )
      .default(365)
      .describe("CloudWatch log retention in days (a value CloudWatch accepts). Default: 365."),
  })
  .default({ retentionDays: 365 })
  .describe("CloudWatch Logs for brokers and connectors.");

const CapturedTableSchema = z
  .strictObject({
    schema: pgIdentifier.default("public").describe("Schema of the table. Default: public."),
    table: pgIdentifier.describe("Table name. Required."),
    replicaIdentity: z
      .enum(["full", "default"])
      .default("full")
      .describe(
        "REPLICA IDENTITY: full puts the whole old row (before-image) in UPDATE and DELETE events; default " +
          "only the primary key (allowed for tables with one, with a warning). Default: full.",
      ),
    columns: z
      .string()
      .min(1)
      .refine((v) => !v.includes(";"), "expected column definitions without ';' (one CREATE TABLE)")
      .optional()
      .describe(
        "Column definitions, e.g. 'id serial primary key, name varchar(100)': the database stack runs " +
          "CREATE TABLE IF NOT EXISTS with them. Omit for tables the application owns: they must exist, and " +
          "are never dropped or recreated, only their replica identity is set. Default: none (table must exist).",
      ),
  })
  .describe("A table whose changes are captured.");

const CaptureSchema = z
  .strictObject({
    tables: z
      .array(CapturedTableSchema)
      .min(1, "expected at least one table to capture")
      .describe("Tables to capture (schema.table). Required."),
    cdcRoleName: pgIdentifier
      .optional()
      .describe(
        "Login role Debezium connects as: member of rds_replication, USAGE and SELECT on the captured " +
          "schemas, nothing else. Default: <project>_<environment>_cdc (hyphens become underscores).",
      ),
    cdcPasswordVersion: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        "Bump to rotate the CDC role's password: a new one is generated at apply and written, write-only, to " +
          "the role and to its Secrets Manager secret. Default: 1.",
      ),
    publicationName: pgIdentifier
      .optional()
      .describe("Publication limited to the captured tables. Default: <project>_<environment>_publication."),
    slotName: pgIdentifier
      .optional()
      .describe(
        "Logical replication slot (pgoutput) Debezium reads; managed by the database stack, so destroy drops " +
          "it. Default: <project>_<environment>_slot.",
      ),
    heartbeatSchema: pgIdentifier
      .default("cdc")
      .describe(
        "Schema of Debezium's heartbeat table (debezium_heartbeat), which the CDC role may update and the " +
          "publication includes, so the slot advances while the captured tables are quiet. Must not be a " +
          "captured schema. Default: cdc.",
      ),
    tableOwner: pgIdentifier
      .optional()
      .describe(
        "Role that creates the captured schemas' tables; its future tables become readable by the CDC role " +
          "(default privileges). Default: database.masterUsername.",
      ),
  })
  .describe("What the pipeline captures.");

/** The file's shape, before cross-field rules and derived values. */
export const PipelineConfigFileSchema = z
  .strictObject({
    project: namePart("project").describe("Project name, the first part of every physical name. Required."),
    environment: namePart("environment").describe(
      "Environment name (demo, staging, prod...). Stacks are named <environment>-platform, " +
        "<environment>-database, <environment>-connectors. Required.",
    ),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "expected an AWS region such as us-east-1")
      .describe("AWS region of the whole pipeline. Required."),
    tags: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        "Extra tags on every resource (Project, Environment and ManagedBy are always set). Default: none.",
      ),
    state: StateSchema,
    network: NetworkSchema,
    database: DatabaseSchema,
    streaming: StreamingSchema,
    storage: StorageSchema,
    encryption: EncryptionSchema,
    alerts: AlertsSchema,
    logs: LogsSchema,
    connectors: ConnectorsSchema,
    capture: CaptureSchema,
    guardrails: GuardrailsSchema,
  })
  .describe("A CDC pipeline: PostgreSQL on RDS -> Debezium on MSK Connect -> MSK -> S3 sink -> S3.");

type Parsed = z.output<typeof PipelineConfigFileSchema>;

/** The file's shape plus cross-field rules, resolved into what stacks and constructs receive. */
export const PipelineConfigSchema =
  PipelineConfigFileSchema.superRefine(checkCrossFieldRules).transform(resolve);

/** The file as written, before defaults. */
export type PipelineConfigInput = z.input<typeof PipelineConfigSchema>;
/** The file after defaults and derivations: what stacks and constructs receive. */
export type PipelineConfig = z.output<typeof PipelineConfigSchema>;

function availabilityZonesOf(c: { region: string; network: { availabilityZones?: string[] | undefined } }) {
  return c.network.availabilityZones ?? ["a", "b", "c"].map((suffix) => `${c.region}${suffix}`);
}

/** Subnets are /24 in a /16 (8 new bits), never smaller than /28: AWS's subnet floor. */
function defaultSubnetCidrs(vpcCidr: string, count: number, firstIndex = 0): string[] {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) return [];
  const newBits = Math.min(Math.max(24 - vpc.prefixLength, 2), 28 - vpc.prefixLength);
  // Private subnets start at index 10 when the VPC has room (10.0.10.0/24…), else right after the public ones.
  const start = firstIndex === 0 ? 0 : 2 ** newBits >= firstIndex + count ? firstIndex : count;
  if (start + count > 2 ** newBits) return [];
  return Array.from({ length: count }, (_, i) => formatCidr(cidrSubnet(vpc, newBits, start + i)));
}

function engineMajor(engineVersion: string): number {
  return Number(engineVersion.split(".")[0]);
}

function walCapMiB(db: Parsed["database"]): number {
  return db.maxSlotWalKeepSizeMiB ?? Math.floor((db.allocatedStorageGiB * 1024) / 4);
}

function checkCrossFieldRules(c: Parsed, ctx: z.RefinementCtx): void {
  const problem = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message, input: undefined });

  const nameTooLong = new Naming(c.project, c.environment).lengthProblem();
  if (nameTooLong)
    problem(["project"], `got "${c.project}" with environment "${c.environment}": ${nameTooLong}`);

  // Network: AZs belong to the region; subnets lie in the VPC, one per AZ, without overlap.
  const zones = availabilityZonesOf(c);
  zones.forEach((zone, i) => {
    if (!new RegExp(`^${c.region}[a-z]$`).test(zone)) {
      problem(
        ["network", "availabilityZones", i],
        `got "${zone}"; expected a zone of ${c.region} such as ${c.region}a`,
      );
    } else if (zones.indexOf(zone) !== i) {
      problem(["network", "availabilityZones", i], `got "${zone}" twice; expected distinct zones`);
    }
  });
  const vpc = parseCidr(c.network.vpcCidr);
  if (vpc && (vpc.prefixLength < 16 || vpc.prefixLength > 24)) {
    problem(["network", "vpcCidr"], `got "${c.network.vpcCidr}"; expected a prefix from /16 to /24`);
  } else if (vpc && !isNetworkAddress(vpc)) {
    problem(
      ["network", "vpcCidr"],
      `got "${c.network.vpcCidr}"; expected a network address (${formatCidr({ ...vpc, network: vpc.network - (vpc.network % 2 ** (32 - vpc.prefixLength)) })})`,
    );
  }
  const checkSubnets = (
    field: "publicSubnetCidrs" | "privateSubnetCidrs",
    given: string[] | undefined,
    others: string[],
  ) => {
    if (!given) return;
    if (given.length !== zones.length) {
      problem(
        ["network", field],
        `got ${given.length} subnets; expected one per availability zone (${zones.length})`,
      );
    }
    given.forEach((text, i) => {
      const subnet = parseCidr(text);
      if (!subnet || !vpc) return;
      if (!cidrContains(vpc, subnet)) {
        problem(["network", field, i], `got "${text}"; expected a block inside vpcCidr ${c.network.vpcCidr}`);
      }
      const before = [...others, ...given.slice(0, i)];
      const clash = before.find((other) => cidrsOverlap(subnet, parseCidr(other) ?? subnet));
      if (clash) {
        problem(["network", field, i], `got "${text}", which overlaps "${clash}"; expected disjoint subnets`);
      }
    });
  };
  checkSubnets("publicSubnetCidrs", c.network.publicSubnetCidrs, []);
  if (c.network.workloadSubnets === "private") {
    const publics = c.network.publicSubnetCidrs ?? defaultSubnetCidrs(c.network.vpcCidr, zones.length);
    checkSubnets("privateSubnetCidrs", c.network.privateSubnetCidrs, publics);
    if (
      !c.network.privateSubnetCidrs &&
      defaultSubnetCidrs(c.network.vpcCidr, zones.length, 10).length === 0
    ) {
      problem(
        ["network", "privateSubnetCidrs"],
        `got nothing, and vpcCidr ${c.network.vpcCidr} has no room for derived ones; expected one CIDR per availability zone`,
      );
    }
  }

  // Database.
  const major = engineMajor(c.database.engineVersion);
  if (!(SUPPORTED_POSTGRES_MAJORS as readonly number[]).includes(major)) {
    problem(
      ["database", "engineVersion"],
      `got "${c.database.engineVersion}"; expected major version ${SUPPORTED_POSTGRES_MAJORS.join(", ")}`,
    );
  }
  c.database.allowedCidrs.forEach((text, i) => {
    if (parseCidr(text)?.prefixLength === 0 && !c.database.allowInternetIngress) {
      problem(
        ["database", "allowedCidrs", i],
        `got "${text}" (the whole internet); expected your own network, e.g. <your IP>/32, or set database.allowInternetIngress: true`,
      );
    }
  });
  if (c.database.publiclyAccessible && c.database.allowedCidrs.length === 0) {
    problem(
      ["database", "allowedCidrs"],
      "got none while publiclyAccessible is true; expected at least one operator CIDR (e.g. <your IP>/32), or set publiclyAccessible: false",
    );
  }
  const cap = walCapMiB(c.database);
  const storageMiB = c.database.allocatedStorageGiB * 1024;
  if (cap * 2 > storageMiB) {
    problem(
      ["database", "maxSlotWalKeepSizeMiB"],
      `got ${cap}; expected at most ${storageMiB / 2} (half of allocatedStorageGiB ${c.database.allocatedStorageGiB}), so retained WAL cannot fill the disk`,
    );
  }

  if (c.database.publiclyAccessible && c.network.workloadSubnets !== "public") {
    problem(
      ["database", "publiclyAccessible"],
      'got true with network.workloadSubnets "private"; expected network.workloadSubnets: public (a public RDS needs a route to the internet), or publiclyAccessible: false',
    );
  }
  if (c.streaming.maxBrokerVolumeGiB < c.streaming.brokerVolumeGiB) {
    problem(
      ["streaming", "maxBrokerVolumeGiB"],
      `got ${c.streaming.maxBrokerVolumeGiB}; expected at least brokerVolumeGiB (${c.streaming.brokerVolumeGiB})`,
    );
  }

  // Streaming: MSK places the same number of brokers in each AZ.
  if (c.streaming.brokerCount % zones.length !== 0) {
    problem(
      ["streaming", "brokerCount"],
      `got ${c.streaming.brokerCount}; expected a multiple of the ${zones.length} availability zones`,
    );
  }

  // State: a relative folder inside the project, so the JSON carries no machine path.
  if (
    c.state.backend === "local" &&
    (c.state.directory.startsWith("/") || c.state.directory.split(/[\\/]/).includes(".."))
  ) {
    problem(
      ["state", "directory"],
      `got "${c.state.directory}"; expected a relative folder inside the project, such as state`,
    );
  }

  const capacity = c.connectors.capacity;
  if (capacity.minWorkerCount > capacity.maxWorkerCount) {
    problem(
      ["connectors", "capacity", "minWorkerCount"],
      `got ${capacity.minWorkerCount}, above maxWorkerCount ${capacity.maxWorkerCount}; expected at most ${capacity.maxWorkerCount}`,
    );
  }
  if (capacity.scaleInCpuPercent >= capacity.scaleOutCpuPercent) {
    problem(
      ["connectors", "capacity", "scaleInCpuPercent"],
      `got ${capacity.scaleInCpuPercent}, not below scaleOutCpuPercent ${capacity.scaleOutCpuPercent}; expected a lower threshold to scale in than to scale out`,
    );
  }

  c.capture.tables.forEach((t, i) => {
    if (c.capture.tables.findIndex((o) => o.schema === t.schema && o.table === t.table) !== i) {
      problem(["capture", "tables", i], `got ${t.schema}.${t.table} twice; expected each table once`);
    }
    if (t.replicaIdentity === "default" && t.columns !== undefined && !/primary\s+key/i.test(t.columns)) {
      problem(
        ["capture", "tables", i, "replicaIdentity"],
        `got "default" for ${t.schema}.${t.table}, which has no primary key; expected "full" (without a key, PostgreSQL refuses to publish its UPDATEs and DELETEs)`,
      );
    }
  });
  if (c.capture.tables.some((t) => t.schema === c.capture.heartbeatSchema)) {
    problem(
      ["capture", "heartbeatSchema"],
      `got "${c.capture.heartbeatSchema}", a captured schema; expected a schema of its own for the heartbeat table (default: cdc)`,
    );
  }
  const cdcRole = c.capture.cdcRoleName ?? captureDefaults(c).cdcRoleName;
  if (cdcRole === c.database.masterUsername) {
    problem(
      ["capture", "cdcRoleName"],
      `got "${cdcRole}", the master user; expected a dedicated role for Debezium`,
    );
  }
}

/** `<project>_<environment>_<suffix>`: PostgreSQL names of the pipeline's objects. */
function captureDefaults(c: Parsed) {
  const base = `${c.project}_${c.environment}`.replaceAll("-", "_");
  return { cdcRoleName: `${base}_cdc`, publicationName: `${base}_publication`, slotName: `${base}_slot` };
}

function resolve(c: Parsed) {
  const availabilityZones = availabilityZonesOf(c);
  const subnetCidrs =
    c.network.publicSubnetCidrs ?? defaultSubnetCidrs(c.network.vpcCidr, availabilityZones.length);
  const privateCidrs =
    c.network.privateSubnetCidrs ?? defaultSubnetCidrs(c.network.vpcCidr, availabilityZones.length, 10);
  const major = engineMajor(c.database.engineVersion);
  const replicationFactor = Math.min(3, c.streaming.brokerCount);
  const names = captureDefaults(c);
  return {
    ...c,
    naming: new Naming(c.project, c.environment),
    network: {
      ...c.network,
      availabilityZones,
      publicSubnets: availabilityZones.map((zone, i) => ({
        availabilityZone: zone,
        cidr: subnetCidrs[i] as string,
      })),
      /** Only when workloadSubnets is private: nothing would use them otherwise. */
      privateSubnets:
        c.network.workloadSubnets === "private"
          ? availabilityZones.map((zone, i) => ({ availabilityZone: zone, cidr: privateCidrs[i] as string }))
          : [],
    },
    database: {
      ...c.database,
      engineMajor: major,
      parameterGroupFamily: `postgres${major}`,
      maxSlotWalKeepSizeMiB: walCapMiB(c.database),
    },
    capture: {
      ...c.capture,
      cdcRoleName: c.capture.cdcRoleName ?? names.cdcRoleName,
      publicationName: c.capture.publicationName ?? names.publicationName,
      slotName: c.capture.slotName ?? names.slotName,
      tableOwner: c.capture.tableOwner ?? c.database.masterUsername,
    },
    connectors: { ...c.connectors, topicPrefix: c.connectors.topicPrefix ?? `${c.project}-${c.environment}` },
    streaming: {
      ...c.streaming,
      /** Survives one broker loss when there are three: RF 3 with min.insync.replicas 2. */
      defaultReplicationFactor: replicationFactor,
      minInsyncReplicas: Math.max(1, replicationFactor - 1),
    },
  };
}
