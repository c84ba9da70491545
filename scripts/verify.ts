/**
 * `npm run verify -- [--env <name> | --config <file>] [--outputs <file>] [--json] [--timeout <seconds>]
 * [--poll <seconds>] [--no-ssl]`: checks a deployed pipeline in pipeline order (source, connectors, lake,
 * end to end) and exits 0 only when every check passes or warns (src/verify/run.ts).
 *
 * The config: `--config <file>`, or `--env <name>` for config/<name>.yaml (the convention of config/: one file
 * per environment), else PIPELINE_CONFIG, else config/demo.yaml, as `npm run synth` reads it. The outputs: from
 * each stack's Terraform state where the config's `state` keeps it, or `--outputs <file>`.
 *
 * AWS: SDK v3 clients in the config's region with the SDK's default credentials chain (AWS_PROFILE,
 * environment, SSO, instance role…). Their endpoints honor AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
 * (_KAFKACONNECT, _CLOUDWATCH_LOGS, _S3, _SECRETS_MANAGER, _ATHENA): @smithy/core 3.41.1, which these clients use,
 * reads them in getEndpointUrlConfig (dist-es/submodules/endpoints/middleware-endpoint/adaptors/
 * getEndpointUrlConfig.js: `AWS_ENDPOINT_URL_` + the serviceId's words upper-cased, then AWS_ENDPOINT_URL),
 * unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set; test/verify/verify-cli.test.ts runs this script so.
 *
 * Exit codes: 0 the pipeline holds; 1 a check failed, or the config or outputs could not be read (one line
 * naming the file and the fix); 2 a usage error.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { KafkaConnectClient } from "@aws-sdk/client-kafkaconnect";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const USAGE =
  "usage: npm run verify -- [--env <name> | --config <file>] [--outputs <file>] [--json] [--timeout <seconds>] [--poll <seconds>] [--no-ssl]";
const DEFAULT_TIMEOUT_S = 300;
const DEFAULT_POLL_S = 5;

// src/sql imports its .sql templates as text (esbuild's text loader in the synth bundle, a vitest plugin in
// tests); under tsx they are read here, so the modules that need them are required only below, after this.
require.extensions[".sql"] = (module, filename) => {
  module.exports = { __esModule: true, default: readFileSync(filename, "utf8") };
};

interface Args {
  readonly configFile: string;
  readonly outputsFile?: string | undefined;
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly ssl: boolean;
}

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
    usage(`--${flag} ${value}: expected a positive number of seconds`);
  return Math.round(n * 1000);
}

/**
 * The config file of environment `env`: config/<env>.yaml when there is one, else the one file in config/
 * whose `environment:` is `env` (production.yaml holds `environment: prod`).
 */
function configFileOfEnvironment(env: string): string {
  const named = join("config", `${env}.yaml`);
  if (existsSync(named)) return named;
  const matching = readdirSync("config")
    .filter((f) => f.endsWith(".yaml"))
    .filter((f) =>
      new RegExp(`^environment:\\s*["']?${env}["']?\\s*(#.*)?$`, "m").test(
        readFileSync(join("config", f), "utf8"),
      ),
    );
  if (matching.length === 1) return join("config", matching[0] as string);
  usage(
    `--env ${env}: ${matching.length === 0 ? "no" : "more than one"} config/*.yaml with environment: ${env}; expected one (or pass --config <file>)`,
  );
}

function parse(argv: readonly string[], configFileFromEnv: () => string): Args {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        env: { type: "string" },
        config: { type: "string" },
        outputs: { type: "string" },
        json: { type: "boolean" },
        timeout: { type: "string" },
        poll: { type: "string" },
        "no-ssl": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const env = values.env as string | undefined;
  const config = values.config as string | undefined;
  if (env !== undefined && config !== undefined) usage("--env and --config both given: expected one");
  if (env !== undefined && !/^[a-z][a-z0-9-]*$/.test(env)) {
    usage(`--env ${env}: expected an environment name such as demo (it selects config/<name>.yaml)`);
  }
  return {
    configFile: config ?? (env ? configFileOfEnvironment(env) : configFileFromEnv()),
    outputsFile: values.outputs as string | undefined,
    json: values.json === true,
    timeoutMs: seconds("timeout", values.timeout as string | undefined, DEFAULT_TIMEOUT_S),
    pollMs: seconds("poll", values.poll as string | undefined, DEFAULT_POLL_S),
    ssl: values["no-ssl"] !== true,
  };
}

async function main(): Promise<number> {
  const { configFileFromEnv, loadConfigFile } =
    require("../src/cli/load-config") as typeof import("../src/cli/load-config");
  const { Naming } = require("../src/config/naming") as typeof import("../src/config/naming");
  const { UserError } = require("../src/errors") as typeof import("../src/errors");
  const outputsModule = require("../src/verify/outputs") as typeof import("../src/verify/outputs");
  const runModule = require("../src/verify/run") as typeof import("../src/verify/run");
  const { secretsManagerReader } = require("../src/verify/targets") as typeof import("../src/verify/targets");
  const { checkSource } =
    require("../src/verify/source-checks") as typeof import("../src/verify/source-checks");
  const { writeCanary, canaryTokenIn } =
    require("../src/verify/canary") as typeof import("../src/verify/canary");

  const args = parse(process.argv.slice(2), () => configFileFromEnv());
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const config = loadConfigFile(args.configFile);
    const naming = new Naming(config.project, config.environment);
    progress(`verify: ${config.project}-${config.environment} (${args.configFile})`);
    const byStack = args.outputsFile
      ? outputsModule.readOutputsFile(args.outputsFile, naming)
      : await outputsModule.readStateOutputs(config.state, naming, {
          cwd: process.cwd(),
          s3: config.state.backend === "s3" ? new S3Client({ region: config.state.region }) : undefined,
        });
    const outputs = outputsModule.verifyOutputsOf(byStack, config, naming);
    const region = config.region;
    const results = await runModule.runVerify({
      config,
      naming,
      outputs,
      clients: {
        kafkaConnect: new KafkaConnectClient({ region }),
        logs: new CloudWatchLogsClient({ region }),
        s3: new S3Client({ region }),
        athena: new AthenaClient({ region }),
      },
      readSecret: secretsManagerReader(new SecretsManagerClient({ region })),
      sourceOps: { checkSource, writeCanary, canaryTokenIn },
      slot: runModule.pgSlotProbe(args.ssl),
      ssl: args.ssl,
      timeoutMs: args.timeoutMs,
      pollMs: args.pollMs,
      progress,
    });
    process.stdout.write(args.json ? runModule.jsonReport(results) : runModule.verdictTable(results));
    return runModule.exitCodeOf(results);
  } catch (error) {
    if (error instanceof UserError) {
      if (args.json) {
        process.stdout.write(
          `${JSON.stringify({ results: [], summary: { ...runModule.summaryOf([]), holds: false }, error: error.message }, null, 2)}\n`,
        );
      }
      process.stderr.write(`verify: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(
      `verify: internal error: ${what.split("\n", 1)[0]?.slice(0, 300)} (a bug in cdc-lake; CDC_LAKE_DEBUG=1 prints where)\n`,
    );
    if (process.env.CDC_LAKE_DEBUG === "1" && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  },
);
