/**
 * The pipeline's configuration file: the sections composed into one zod schema, every field described
 * and every default stated once, in its section (src/config/sections).
 *
 * Defaults are the secure, production-leaning choice; a demo relaxes them explicitly in its own file
 * (see config/demo.yaml), so every relaxation is visible where it is made.
 */
import { z } from "zod";
import { checkCrossFieldRules } from "./cross-field-rules";
import { awsRegion, namePart } from "./fields";
import { resolveConfig } from "./resolve";
import { AlertsSchema } from "./sections/alerts";
import { CaptureSchema } from "./sections/capture";
import { ConnectorsSchema } from "./sections/connectors";
import { DatabaseSchema } from "./sections/database";
import { EncryptionSchema } from "./sections/encryption";
import { GuardrailsSchema } from "./sections/guardrails";
import { LakeQuerySchema } from "./sections/lake-query";
import { LogsSchema } from "./sections/logs";
import { NetworkSchema } from "./sections/network";
import { SourcesSchema } from "./sections/sources";
import { StateSchema } from "./sections/state";
import { StorageSchema } from "./sections/storage";
import { StreamingSchema } from "./sections/streaming";

/** Tags every resource gets from the stacks; a user tag of the same key would be silently replaced. */
const PIPELINE_TAG_KEYS = ["Project", "Environment", "ManagedBy"];
/** AWS allows 50 tags per resource; the pipeline's own take 3. */
const MAX_USER_TAGS = 50 - PIPELINE_TAG_KEYS.length;
/**
 * The characters every tagged service accepts (some, like EC2, accept more): letters, digits and spaces
 * in UTF-8, and + - = . _ : / @.
 * @see https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
 */
const TAG_TEXT = /^[\p{L}\p{N}\p{Zs}+\-=._:/@]*$/u;

const TagsSchema = z
  .record(
    z
      .string()
      .min(1, "expected a tag key of 1 to 128 characters")
      .max(128, "expected a tag key of at most 128 characters")
      .regex(
        TAG_TEXT,
        "expected letters, digits, spaces and + - = . _ : / @ (what every AWS service accepts in tags)",
      )
      .refine(
        (key) => !key.toLowerCase().startsWith("aws:"),
        "expected a key not starting with aws: (reserved by AWS)",
      )
      .refine(
        (key) => !PIPELINE_TAG_KEYS.some((k) => k.toLowerCase() === key.toLowerCase()),
        `expected a key other than ${PIPELINE_TAG_KEYS.join(", ")} (set by the pipeline on every resource)`,
      ),
    z
      .string()
      .max(256, "expected a tag value of at most 256 characters")
      .regex(
        TAG_TEXT,
        "expected letters, digits, spaces and + - = . _ : / @ (what every AWS service accepts in tags)",
      ),
  )
  .refine(
    (tags) => Object.keys(tags).length <= MAX_USER_TAGS,
    `expected at most ${MAX_USER_TAGS} tags (AWS allows 50 per resource; the pipeline sets ${PIPELINE_TAG_KEYS.length})`,
  )
  .default({})
  .describe(
    `Extra tags on every resource, at most ${MAX_USER_TAGS} (${PIPELINE_TAG_KEYS.join(", ")} are always set).`,
  );

/** The file's shape: fields, their docs and defaults, and each section's own checks. */
export const PipelineConfigFileSchema = z
  .strictObject({
    project: namePart("project").describe("Project name, the first part of every physical name. Required."),
    environment: namePart("environment").describe(
      "Environment name (demo, staging, prod...). Stacks are named <environment>-platform, " +
        "<environment>-database, <environment>-connectors. Required.",
    ),
    region: awsRegion.describe("AWS region of the whole pipeline. Required."),
    tags: TagsSchema,
    state: StateSchema,
    network: NetworkSchema,
    database: DatabaseSchema.optional().describe(
      "The RDS PostgreSQL instance the pipeline creates, the managed source of change data: required with " +
        "capture. Default: none, no RDS instance (every source is an existing database of sources).",
    ),
    streaming: StreamingSchema,
    storage: StorageSchema,
    encryption: EncryptionSchema,
    alerts: AlertsSchema,
    logs: LogsSchema,
    connectors: ConnectorsSchema,
    capture: CaptureSchema.optional().describe(
      "What the pipeline captures from its own RDS instance (database): the managed source. Optional when " +
        "sources lists existing databases. Default: none (with database: required).",
    ),
    sources: SourcesSchema,
    query: LakeQuerySchema,
    guardrails: GuardrailsSchema,
  })
  .describe(
    "A CDC pipeline: PostgreSQL (its own RDS instance, existing databases, or both) -> Debezium on MSK Connect -> MSK -> S3 sink -> S3.",
  );

/** The file after its defaults, before the rules across sections and the derived values. */
export type ConfigFile = z.output<typeof PipelineConfigFileSchema>;
/** The file as written, before defaults. */
export type PipelineConfigInput = z.input<typeof PipelineConfigFileSchema>;

/** The file's shape, the rules across sections, then resolution into a `PipelineConfig`. */
export const PipelineConfigSchema =
  PipelineConfigFileSchema.superRefine(checkCrossFieldRules).transform(resolveConfig);
