import { App, Aspects } from "cdktf";
import type { PipelineConfig } from "./config/schema";
import { GuardrailsAspect } from "./guardrails/aspect";
import { ALL_RULES } from "./guardrails/rules";
import { connectorsDir, inspectPlugin } from "./plugins/inspect-plugin";
import { loadManifest } from "./plugins/manifest";
import { ConnectorsStack } from "./stacks/connectors-stack";
import { DatabaseStack } from "./stacks/database-stack";
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
  /** @default - CDKTF_OUTDIR, else cdktf.out */
  readonly outdir?: string;
  /** Folder holding the connector zips. @default - CDC_CONNECTORS_DIR, else ./connectors */
  readonly connectorsDir?: string;
}

/** Composes the pipeline's stacks for one environment: `<env>-platform`, `<env>-database`, `<env>-connectors`. */
export function buildPipelineApp(config: PipelineConfig, options: BuildOptions = {}): PipelineApp {
  // No stack traces in annotations: they would write machine paths into manifest.json. No cdktf
  // construct validations: the only ones that apply run `terraform version` once per terraform_data
  // (~80 ms each) and fail on a machine with only OpenTofu or no binary yet; the stacks declare
  // required_version >= 1.11 instead, and our own checks run in the config schema and constructors.
  const app = new App({ outdir: options.outdir, skipValidation: true, stackTraces: false });
  const platform = new PlatformStack(app, config.naming.stack("platform"), config);
  const database = new DatabaseStack(app, config.naming.stack("database"), config, platform);
  const dir = options.connectorsDir ?? connectorsDir();
  const artifacts = loadManifest().plugins.map((plugin) => inspectPlugin(plugin, dir));
  const connectors = new ConnectorsStack(
    app,
    config.naming.stack("connectors"),
    config,
    platform,
    database,
    artifacts,
  );
  const guardrails = new GuardrailsAspect(ALL_RULES, config.guardrails.suppressions);
  // cdktf invokes aspects per stack, starting at the stack: an aspect on the App would never run.
  for (const stack of [platform, database, connectors]) Aspects.of(stack).add(guardrails);
  return { app, platform, database, connectors, guardrails };
}
