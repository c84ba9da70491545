/**
 * The pipeline's configuration file: the sections composed into one zod schema, every field described
 * and every default stated once, in its section (src/config/sections).
 *
 * Defaults are the secure, production-leaning choice; a demo relaxes them explicitly in its own file
 * (see config/demo.yaml), so every relaxation is visible where it is made.
 */
import { z } from "zod";
import { checkCrossFieldRules } from "./cross-field-rules";
import { namePart } from "./fields";
import { resolveConfig } from "./resolve";
import { AlertsSchema } from "./sections/alerts";
import { CaptureSchema } from "./sections/capture";
import { ConnectorsSchema } from "./sections/connectors";
import { DatabaseSchema } from "./sections/database";
import { EncryptionSchema } from "./sections/encryption";
import { GuardrailsSchema } from "./sections/guardrails";
import { LogsSchema } from "./sections/logs";
import { NetworkSchema } from "./sections/network";
import { StateSchema } from "./sections/state";
import { StorageSchema } from "./sections/storage";
import { StreamingSchema } from "./sections/streaming";

/** The file's shape: fields, their docs and defaults, and each section's own checks. */
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
      .describe("Extra tags on every resource (Project, Environment and ManagedBy are always set)."),
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

/** The file after its defaults, before the rules across sections and the derived values. */
export type ConfigFile = z.output<typeof PipelineConfigFileSchema>;
/** The file as written, before defaults. */
export type PipelineConfigInput = z.input<typeof PipelineConfigFileSchema>;

/** The file's shape, the rules across sections, then resolution into a `PipelineConfig`. */
export const PipelineConfigSchema =
  PipelineConfigFileSchema.superRefine(checkCrossFieldRules).transform(resolveConfig);
