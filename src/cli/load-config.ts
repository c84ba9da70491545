/**
 * Reads the configuration file the run names (PIPELINE_CONFIG, default config/demo.yaml) and parses it.
 * The only place the config is read from disk and environment.
 */
import { readFileSync } from "node:fs";
import { parseConfigText } from "../config/parse";
import type { PipelineConfig } from "../config/pipeline-config";
import { ConfigError } from "../errors";

/** Environment variable that selects the config file. */
export const CONFIG_ENV_VAR = "PIPELINE_CONFIG";
export const DEFAULT_CONFIG_FILE = "config/demo.yaml";

export function configFileFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[CONFIG_ENV_VAR]?.trim() || DEFAULT_CONFIG_FILE;
}

export function loadConfigFile(file: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : String(error);
    throw new ConfigError(file, [
      `file ${reason}; expected a YAML config file (set ${CONFIG_ENV_VAR}, default ${DEFAULT_CONFIG_FILE})`,
    ]);
  }
  return parseConfigText(text, file);
}
