/**
 * The stacks' outputs verify works from: read from the state backend the config names (a local
 * `<directory>/<stack>.tfstate`, or the S3 object `<keyPrefix>/<stack>.tfstate`; see
 * src/stacks/pipeline-stack.ts), or from a JSON file (`--outputs`), then checked into the few typed values
 * the checks need. Every problem is one line naming the file or state object and the fix.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Naming, StackKind } from "../config/naming";
import type { PipelineConfig, StateConfig } from "../config/pipeline-config";
import { MANAGED_SOURCE_KEY } from "../config/sections/sources";
import { UserError } from "../errors";
import { awsErrorText } from "./aws-error";

/** An output's value by output name, for one stack. */
export type StackOutputs = Readonly<Record<string, unknown>>;

/** Where a stack's outputs were read from, as a message names it (a file path, an s3:// URL). */
export interface ReadOutputs {
  readonly outputs: StackOutputs;
  readonly from: string;
}

export type OutputsByStack = Readonly<Record<StackKind, ReadOutputs>>;

/** A problem with the outputs verify reads: one line, naming where it looked and the fix. */
export class OutputsError extends UserError {
  override name = "OutputsError";
}

/** What the database stack's `sources` output holds per source (keys as synthesized; see database-stack.ts). */
export interface SourceOutputs {
  readonly cdcSecretArn: string;
  readonly cdcSecretName: string;
  readonly heartbeatTable: string;
  readonly publicationName: string;
  readonly replicationSlotName: string;
}

/** The outputs the checks use, typed. */
export interface VerifyOutputs {
  /** The data lake (platform `s3_bucket_name`). */
  readonly bucket: string;
  /** The RDS instance (platform `rds`), when the platform creates one. */
  readonly rds?: { readonly address: string; readonly port: number } | undefined;
  /** Its master password's secret (platform `rds_master_user_secret_arn`). */
  readonly masterUserSecretArn?: string | undefined;
  /** By source name, `managed` for the RDS instance's (database `sources`). */
  readonly sources: Readonly<Record<string, SourceOutputs>>;
  /** By source name (connectors `debezium_connector_arns`). */
  readonly debeziumConnectorArns: Readonly<Record<string, string>>;
  readonly sinkConnectorArn: string;
  readonly changeTopics: readonly string[];
  /** With query.enabled: the lake's Glue database and Athena workgroup (connectors `lake_database`, `athena_workgroup`). */
  readonly lakeQuery?: { readonly database: string; readonly workgroup: string } | undefined;
}

const STACKS: readonly StackKind[] = ["platform", "database", "connectors"];

/** How each stack is applied, for the fix in a message. */
function applyFix(naming: Naming, kind: StackKind): string {
  return `apply the ${kind} stack first (npm run deploy -- apply ${naming.stack(kind)})`;
}

/**
 * Reads `--outputs <file>`: `{"<stack>": {"<output>": value}}` with the stacks' names (`demo-platform`…).
 * The per-stack shape of `terraform output -json` (`{"<output>": {"value": …, "type": …}}`) is accepted
 * too, so `terraform output -json` of each stack can be pasted in.
 */
export function readOutputsFile(file: string, naming: Naming): OutputsByStack {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OutputsError(
      `--outputs ${file}: not readable (${code}); expected a JSON file {"<stack>": {"<output>": value}}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new OutputsError(
      `--outputs ${file}: not valid JSON; expected {"${naming.stack("platform")}": {"<output>": value}, …}`,
    );
  }
  if (!isRecord(data)) {
    throw new OutputsError(
      `--outputs ${file}: got ${kindOf(data)}; expected an object {"${naming.stack("platform")}": {"<output>": value}, …}`,
    );
  }
  const byStack = {} as Record<StackKind, ReadOutputs>;
  for (const kind of STACKS) {
    const stack = naming.stack(kind);
    const outputs = data[stack];
    if (outputs === undefined) {
      throw new OutputsError(
        `--outputs ${file}: no "${stack}" key; expected the outputs of ${STACKS.map((k) => naming.stack(k)).join(", ")} (${applyFix(naming, kind)}, then terraform output -json)`,
      );
    }
    if (!isRecord(outputs)) {
      throw new OutputsError(
        `--outputs ${file}: "${stack}" is ${kindOf(outputs)}; expected an object of outputs`,
      );
    }
    byStack[kind] = { outputs: unwrapTerraformOutputJson(outputs), from: `${file} (${stack})` };
  }
  return byStack;
}

/** `terraform output -json` wraps each value: `{"value": …, "type": …, "sensitive": …}`. */
function unwrapTerraformOutputJson(outputs: Record<string, unknown>): StackOutputs {
  const entries = Object.entries(outputs);
  const wrapped = entries.length > 0 && entries.every(([, v]) => isRecord(v) && "value" in v && "type" in v);
  return wrapped
    ? Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: unknown }).value]))
    : outputs;
}

/**
 * Reads each stack's outputs from its Terraform state where the config keeps it: a local file relative to
 * `cwd` (the project root, which the stacks' backend paths are relative to), or an object of the S3 bucket.
 */
export async function readStateOutputs(
  state: StateConfig,
  naming: Naming,
  options: { cwd: string; s3?: S3Client | undefined },
): Promise<OutputsByStack> {
  const byStack = {} as Record<StackKind, ReadOutputs>;
  for (const kind of STACKS) {
    const stack = naming.stack(kind);
    if (state.backend === "local") {
      const file = resolve(options.cwd, state.directory, `${stack}.tfstate`);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason =
          code === "ENOENT" ? "no state file" : `state file not readable (${code ?? String(error)})`;
        throw new OutputsError(
          `${reason} ${file} (state.backend local, directory ${state.directory}): ${applyFix(naming, kind)}, or pass --outputs <file>`,
        );
      }
      byStack[kind] = { outputs: stateOutputs(text, file, naming, kind), from: file };
    } else {
      const key = `${state.keyPrefix}/${stack}.tfstate`;
      const url = `s3://${state.bucket}/${key}`;
      if (!options.s3) throw new Error("readStateOutputs: an S3 client is needed for state.backend s3");
      let text: string;
      try {
        const object = await options.s3.send(new GetObjectCommand({ Bucket: state.bucket, Key: key }));
        text = (await object.Body?.transformToString("utf8")) ?? "";
      } catch (error) {
        const name = (error as { name?: string }).name ?? "";
        if (name === "NoSuchKey") {
          throw new OutputsError(
            `no state object ${url} (state.backend s3): ${applyFix(naming, kind)}, or pass --outputs <file>`,
          );
        }
        throw new OutputsError(
          `state object ${url} not readable (${awsErrorText(error)}): check your AWS credentials (s3:GetObject on it, kms:Decrypt for its key, region ${state.region}), or pass --outputs <file>`,
        );
      }
      byStack[kind] = { outputs: stateOutputs(text, url, naming, kind), from: url };
    }
  }
  return byStack;
}

/** A Terraform state's (format version 4) `outputs`, values unwrapped. */
function stateOutputs(text: string, from: string, naming: Naming, kind: StackKind): StackOutputs {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new OutputsError(`${from}: not valid JSON; expected a Terraform state file`);
  }
  if (!isRecord(state) || !isRecord(state.outputs)) {
    throw new OutputsError(
      `${from}: no "outputs" object; expected a Terraform state (${applyFix(naming, kind)})`,
    );
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(state.outputs)) {
    if (isRecord(output) && "value" in output) outputs[name] = output.value;
  }
  return outputs;
}

/** The outputs the checks need, checked: a missing or mistyped one names its stack, where it was read, and the fix. */
export function verifyOutputsOf(
  byStack: OutputsByStack,
  config: PipelineConfig,
  naming: Naming,
): VerifyOutputs {
  const get = (kind: StackKind, name: string): unknown => {
    const { outputs, from } = byStack[kind];
    const value = outputs[name];
    if (value === undefined || value === null) {
      throw new OutputsError(
        `${naming.stack(kind)}: no output "${name}" in ${from}; expected it once the stack is applied: ${applyFix(naming, kind)}`,
      );
    }
    return value;
  };
  const where = (kind: StackKind, path: string) =>
    `${naming.stack(kind)} output ${path} (${byStack[kind].from})`;
  const string = (kind: StackKind, path: string, value: unknown): string => {
    if (typeof value !== "string" || value === "") {
      throw new OutputsError(`${where(kind, path)}: got ${kindOf(value)}; expected a non-empty string`);
    }
    return value;
  };
  const record = (kind: StackKind, path: string, value: unknown): Record<string, unknown> => {
    if (!isRecord(value))
      throw new OutputsError(`${where(kind, path)}: got ${kindOf(value)}; expected an object`);
    return value;
  };

  const managed = config.sources.some((s) => s.server.kind === "managed");
  let rds: VerifyOutputs["rds"];
  let masterUserSecretArn: string | undefined;
  if (managed) {
    const r = record("platform", "rds", get("platform", "rds"));
    const port = typeof r.port === "string" && /^\d+$/.test(r.port) ? Number(r.port) : r.port;
    if (typeof port !== "number" || !Number.isInteger(port)) {
      throw new OutputsError(
        `${where("platform", "rds.port")}: got ${kindOf(r.port)}; expected a port number`,
      );
    }
    rds = { address: string("platform", "rds.address", r.address), port };
    masterUserSecretArn = string(
      "platform",
      "rds_master_user_secret_arn",
      get("platform", "rds_master_user_secret_arn"),
    );
  }

  const sourcesOut = record("database", "sources", get("database", "sources"));
  const sources: Record<string, SourceOutputs> = {};
  for (const [name, value] of Object.entries(sourcesOut)) {
    const s = record("database", `sources.${name}`, value);
    const field = (key: keyof SourceOutputs) => string("database", `sources.${name}.${key}`, s[key]);
    sources[name] = {
      cdcSecretArn: field("cdcSecretArn"),
      cdcSecretName: field("cdcSecretName"),
      heartbeatTable: field("heartbeatTable"),
      publicationName: field("publicationName"),
      replicationSlotName: field("replicationSlotName"),
    };
  }

  const arnsOut = record(
    "connectors",
    "debezium_connector_arns",
    get("connectors", "debezium_connector_arns"),
  );
  const debeziumConnectorArns = Object.fromEntries(
    Object.entries(arnsOut).map(([name, arn]) => [
      name,
      string("connectors", `debezium_connector_arns.${name}`, arn),
    ]),
  );
  const topics = get("connectors", "change_topics");
  if (!Array.isArray(topics) || topics.some((t) => typeof t !== "string")) {
    throw new OutputsError(
      `${where("connectors", "change_topics")}: got ${kindOf(topics)}; expected a list of topic names`,
    );
  }
  return {
    bucket: string("platform", "s3_bucket_name", get("platform", "s3_bucket_name")),
    rds,
    masterUserSecretArn,
    sources,
    debeziumConnectorArns,
    sinkConnectorArn: string(
      "connectors",
      "s3_sink_connector_arn",
      get("connectors", "s3_sink_connector_arn"),
    ),
    changeTopics: topics as string[],
    lakeQuery: config.query.enabled
      ? {
          database: string("connectors", "lake_database", get("connectors", "lake_database")),
          workgroup: string("connectors", "athena_workgroup", get("connectors", "athena_workgroup")),
        }
      : undefined,
  };
}

/** The key a source has in the stacks' per-source outputs. */
export function sourceKey(name: string | undefined): string {
  return name ?? MANAGED_SOURCE_KEY;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
