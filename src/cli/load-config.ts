/**
 * Reads the configuration file the run names (PIPELINE_CONFIG, default config/demo.yaml) and parses it.
 * The only place the config is read from disk and environment. A file that is not a config (too big,
 * binary, another encoding) ends in one line naming what it is and the fix, never in its contents.
 */
import { readFileSync, statSync } from "node:fs";
import { parseConfigText } from "../config/parse";
import type { PipelineConfig } from "../config/pipeline-config";
import { ConfigError } from "../errors";

/** Environment variable that selects the config file. */
export const CONFIG_ENV_VAR = "PIPELINE_CONFIG";
export const DEFAULT_CONFIG_FILE = "config/demo.yaml";
/** A pipeline's config is a few KiB; anything near this is not one (or is an attack on the parser). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function configFileFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[CONFIG_ENV_VAR]?.trim() || DEFAULT_CONFIG_FILE;
}

export function loadConfigFile(file: string): PipelineConfig {
  const fail = (problem: string): never => {
    throw new ConfigError(file, [problem]);
  };
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) {
      fail(
        `file is ${formatSize(size)}; expected a YAML config file of at most ${formatSize(MAX_CONFIG_BYTES)}`,
      );
    }
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "is a folder"
          : code === "EACCES" || code === "EPERM"
            ? "file not readable (permission denied)"
            : `file not readable (${code ?? String(error)})`;
    return fail(
      `${reason}; expected a YAML config file (set ${CONFIG_ENV_VAR}, default ${DEFAULT_CONFIG_FILE})`,
    );
  }
  return parseConfigText(decodeText(bytes, fail), file);
}

/** The file's text when it is UTF-8; otherwise what it is instead, in one line. */
function decodeText(bytes: Buffer, fail: (problem: string) => never): string {
  const bom16 =
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  const nulEvery2 =
    bytes.length >= 4 &&
    (bytes[1] === 0 || bytes[0] === 0) &&
    bytes.subarray(0, 64).filter((b) => b === 0).length >= 8;
  if (bom16 || nulEvery2) {
    fail("file is UTF-16 text; expected UTF-8: save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)");
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail(`file holds binary data (a NUL byte at offset ${nul}); expected a YAML text file`);
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return fail("file is not valid UTF-8 text; expected a YAML file saved as UTF-8");
  }
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
