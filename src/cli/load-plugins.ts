/**
 * Reads connectors/connectors.json and inspects the plugin zips the run points at (CDC_CONNECTORS_DIR,
 * default ./connectors): the in-memory plugin descriptions the app is built from.
 */

import { inspectPlugin, type PluginArtifact } from "../plugins/inspect-plugin";
import { loadManifest } from "../plugins/manifest";

/** Environment variable naming the folder with the plugin zips (tests, shared caches). */
export const CONNECTORS_DIR_ENV_VAR = "CDC_CONNECTORS_DIR";

export function connectorsDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[CONNECTORS_DIR_ENV_VAR]?.trim() || "connectors";
}

/** Every plugin of the manifest, ready (with its hash and Terraform path) or missing (with the fix). */
export function loadPlugins(dir: string, projectRoot = process.cwd()): PluginArtifact[] {
  return loadManifest().plugins.map((plugin) => inspectPlugin(plugin, dir, projectRoot));
}
