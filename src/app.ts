import { App } from "cdktf";
import type { PipelineConfig } from "./config/schema";
import { PlatformStack } from "./stacks/platform-stack";

export interface PipelineApp {
  readonly app: App;
  readonly platform: PlatformStack;
}

export interface BuildOptions {
  /** @default - CDKTF_OUTDIR, else cdktf.out */
  readonly outdir?: string;
}

/** Composes the pipeline's stacks for one environment: `<env>-platform` (then database, connectors). */
export function buildPipelineApp(config: PipelineConfig, options: BuildOptions = {}): PipelineApp {
  const app = new App({ outdir: options.outdir, skipValidation: false });
  const platform = new PlatformStack(app, config.naming.stack("platform"), config);
  return { app, platform };
}
