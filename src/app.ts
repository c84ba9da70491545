import { App } from "cdktf";
import type { PipelineConfig } from "./config/schema";
import { DatabaseStack } from "./stacks/database-stack";
import { PlatformStack } from "./stacks/platform-stack";

export interface PipelineApp {
  readonly app: App;
  readonly platform: PlatformStack;
  readonly database: DatabaseStack;
}

export interface BuildOptions {
  /** @default - CDKTF_OUTDIR, else cdktf.out */
  readonly outdir?: string;
}

/** Composes the pipeline's stacks for one environment: `<env>-platform`, `<env>-database` (connectors next). */
export function buildPipelineApp(config: PipelineConfig, options: BuildOptions = {}): PipelineApp {
  // No stack traces in annotations: they would write machine paths into manifest.json.
  const app = new App({ outdir: options.outdir, skipValidation: false, stackTraces: false });
  const platform = new PlatformStack(app, config.naming.stack("platform"), config);
  const database = new DatabaseStack(app, config.naming.stack("database"), config, platform);
  return { app, platform, database };
}
