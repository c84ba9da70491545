/**
 * Reads connectors/connectors.json and the pins of connectors/connectors.lock.json (the repository's),
 * and checks the plugin zips the run points at (CDC_CONNECTORS_DIR, default ./connectors): the in-memory
 * plugin descriptions the app is built from.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { inspectPlugin, type PluginArtifact } from "../plugins/inspect-plugin";
import { pinOf, readLock } from "../plugins/lock";
import { LOCK_FILE, loadManifest } from "../plugins/manifest";

/** Environment variable naming the folder with the plugin zips (tests, shared caches). */
export const CONNECTORS_DIR_ENV_VAR = "CDC_CONNECTORS_DIR";
/**
 * Environment variable naming another lock file than the repository's (tests): the pins are the
 * repository's, so a folder of zips (CDC_CONNECTORS_DIR) never brings its own.
 */
export const CONNECTORS_LOCK_ENV_VAR = "CDC_CONNECTORS_LOCK";

export function connectorsDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[CONNECTORS_DIR_ENV_VAR]?.trim() || "connectors";
}

export function connectorsLockFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[CONNECTORS_LOCK_ENV_VAR]?.trim() || LOCK_FILE;
}

/**
 * Every plugin of the manifest with its pin from the lock file (`lockFile`, relative to `projectRoot`),
 * its Terraform path, and a warning if its zip in `dir` is missing or not the pinned one. A zip that is
 * not a zip, or holds another connector or version, is a UserError.
 */
export function loadPlugins(
  dir: string,
  projectRoot = process.cwd(),
  lockFile = connectorsLockFromEnv(),
): PluginArtifact[] {
  const lockPath = resolve(projectRoot, lockFile);
  const lock = readLock(lockPath);
  const shown = relative(process.cwd(), lockPath);
  const display = shown && !shown.startsWith("..") && !isAbsolute(shown) ? shown : lockPath;
  return loadManifest().plugins.map((plugin) =>
    inspectPlugin(plugin, dir, { pin: pinOf(lock, plugin.file), projectRoot, lockFile: display }),
  );
}
