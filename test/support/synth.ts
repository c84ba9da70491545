import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { parseConfig } from "../../src/config/parse";
import type { CaptureConfig, DatabaseConfig, PipelineConfig } from "../../src/config/pipeline-config";
import { ConfigError } from "../../src/errors";
import { RAW_RESOURCES_FILE } from "../../src/stacks/pipeline-stack";

export const DEMO_CONFIG = "config/demo.yaml";

/** The managed source's capture (config `capture`), for configs that have one (demo, production). */
export function managedCapture(config: PipelineConfig): CaptureConfig {
  const source = config.sources.find((s) => s.server.kind === "managed");
  if (!source) throw new Error("the config has no managed source (capture)");
  return source.capture;
}

/** The RDS instance's settings (config `database`), for configs that have one. */
export function managedDatabase(config: PipelineConfig): DatabaseConfig {
  if (!config.database) throw new Error("the config has no RDS instance (database)");
  return config.database;
}

/** The demo config's data, to derive variants from. */
export function demoConfigData(): Record<string, any> {
  return parse(readFileSync(DEMO_CONFIG, "utf8"));
}

/** A config from the demo with `change` applied to a deep copy of its data. */
export function demoWith(change: (data: Record<string, any>) => void): PipelineConfig {
  const data = demoConfigData();
  change(data);
  return parseConfig(data, "test");
}

/** The problems of the demo config changed by `change`, one string per line, or [] when it is valid. */
export function problemsOf(change: (data: Record<string, any>) => void): string[] {
  const data = demoConfigData();
  change(data);
  try {
    parseConfig(data, "test.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.problems];
  }
}

export interface Synthesized {
  readonly outdir: string;
  /** Parsed cdk.tf.json per stack name. */
  readonly stacks: Record<string, TerraformJson>;
  stackDir(name: string): string;
  cleanup(): void;
}

export type TerraformJson = Record<string, any>;

/** Synthesizes the whole app, as `cdktf synth` does, into a fresh temp folder. */
export function synthesize(
  config: PipelineConfig = loadConfigFile(DEMO_CONFIG),
  options: { connectorsDir?: string } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-synth-"));
  const plugins = loadPlugins(options.connectorsDir ?? join(outdir, "no-connectors"));
  const { app } = buildPipelineApp(config, plugins, { outdir });
  app.synth();
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  const stacks: Record<string, TerraformJson> = {};
  for (const [name, stack] of Object.entries<{ synthesizedStackPath: string; workingDirectory: string }>(
    manifest.stacks,
  )) {
    stacks[name] = withRawResources(
      JSON.parse(readFileSync(join(outdir, stack.synthesizedStackPath), "utf8")),
      join(outdir, stack.workingDirectory, RAW_RESOURCES_FILE),
    );
  }
  return {
    outdir,
    stacks,
    stackDir: (name) => join(outdir, "stacks", name),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The only resource of `type` in `stack`, failing loudly when there are none or several. */
export function single(stack: TerraformJson, type: string): TerraformJson {
  const all = Object.values(stack.resource?.[type] ?? {}) as TerraformJson[];
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as TerraformJson;
}

/** All resources of `type`, keyed by their construct path (stable and readable, unlike logical ids). */
export function byPath(stack: TerraformJson, type: string): Record<string, TerraformJson> {
  const out: Record<string, TerraformJson> = {};
  for (const resource of Object.values(stack.resource?.[type] ?? {}) as TerraformJson[]) {
    out[resource["//"].metadata.path] = resource;
  }
  return out;
}

/** `${aws_x.Logical_Id.attr}` of the resource at construct `path`. */
export function refTo(stack: TerraformJson, path: string, attribute: string): string {
  for (const [type, resources] of Object.entries<Record<string, TerraformJson>>(stack.resource ?? {})) {
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource["//"].metadata.path === path) return `\${${type}.${logicalId}.${attribute}}`;
    }
  }
  throw new Error(`no resource at ${path}`);
}

/** A stack's JSON with the locals and resources written beside it (RAW_RESOURCES_FILE), as Terraform reads the folder. */
function withRawResources(json: TerraformJson, rawFile: string): TerraformJson {
  if (!existsSync(rawFile)) return json;
  const raw = JSON.parse(readFileSync(rawFile, "utf8")) as {
    locals?: TerraformJson;
    resource: Record<string, TerraformJson>;
  };
  const resource: TerraformJson = { ...(json.resource ?? {}) };
  for (const [type, byName] of Object.entries(raw.resource)) {
    if (Object.keys(byName).some((name) => resource[type]?.[name] !== undefined)) {
      throw new Error(`${rawFile}: a ${type} also in cdk.tf.json`);
    }
    resource[type] = { ...(resource[type] ?? {}), ...byName };
  }
  if (!raw.locals) return { ...json, resource };
  if (Object.keys(raw.locals).some((name) => json.locals?.[name] !== undefined)) {
    throw new Error(`${rawFile}: a local also in cdk.tf.json`);
  }
  return { ...json, locals: { ...(json.locals ?? {}), ...raw.locals }, resource };
}
