/**
 * Synth-time view of the connector plugins. A plugin's identity (its S3 key, the hash in its name, the
 * upload's source_hash) is the sha256 the repository pins in connectors.lock.json, never a local file's:
 * synth writes the same complete connectors stack with or without the zips on disk, and Terraform checks
 * the zip against its pin at plan (see ConnectorPlugin).
 *
 * The zips that are on disk are still checked here: a file that is not a zip, or holds another connector
 * or version, fails synth with the file and the fix; a missing zip, or one that differs from its pin, is a
 * warning (the plan refuses it with the same words).
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UserError } from "../errors";
import { FETCH_COMMAND, updatePinCommand } from "./lock";
import { isExpectedJar, LOCK_FILE, type PluginSpec, sameArtifactOtherVersion } from "./manifest";
import { listZipEntries, NotAZipError, ZipError } from "./zip";

export { FETCH_COMMAND } from "./lock";

interface PluginArtifactBase {
  readonly spec: PluginSpec;
  /** Path as Terraform reads it from `<outdir>/stacks/<stack>`: relative inside the project. */
  readonly terraformPath: string;
  /**
   * The zip's path as the user knows it (e.g. `connectors/<file>`), for messages.
   * @default - terraformPath
   */
  readonly path?: string;
  /**
   * The lock file holding the pins, as the user knows it, for messages.
   * @default LOCK_FILE (connectors/connectors.lock.json)
   */
  readonly lockFile?: string;
  /** What is wrong with the zip on disk (missing, or not the pinned one): a synth warning; the plan refuses it. */
  readonly warning?: string;
}

/**
 * A plugin as synth knows it: `ready` when the lock file pins its zip's sha256, `unpinned` while that pin
 * is not recorded yet (the stack is written all the same, and its plan refuses).
 */
export type PluginArtifact =
  | (PluginArtifactBase & { readonly state: "ready"; readonly sha256: string })
  | (PluginArtifactBase & { readonly state: "unpinned" });

/** cdktf runs Terraform three levels below the project root (`cdktf.out/stacks/<stack>`). */
function terraformPath(file: string, projectRoot: string): string {
  const absolute = resolve(projectRoot, file);
  const inside = relative(projectRoot, absolute);
  return inside.startsWith("..") || isAbsolute(inside) ? absolute : join("../../..", inside);
}

function sha256OfFile(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(path, "r");
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer))
      hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** A missing zip: what synth warns and the plan says. */
export function missingZipMessage(path: string): string {
  return `${path} is missing: run ${FETCH_COMMAND} (it downloads and verifies the connector zips)`;
}

/** A zip that is not the pinned one: what synth warns (with its sha256) and the plan says. */
export function differentZipMessage(
  path: string,
  file: string,
  pin: string,
  lockFile: string,
  actual: string,
): string {
  return `${path} is not the zip pinned in ${lockFile}: its sha256 is ${actual}, expected ${pin}. Delete it and run ${FETCH_COMMAND}; if the vendor republished it, check why and run ${updatePinCommand(file)}`;
}

/** The pins still unrecorded, in one line: synth's warning. */
export function unpinnedMessage(files: readonly string[], lockFile: string): string {
  return `${lockFile} has no sha256 recorded yet for ${files.join(", ")}: run ${FETCH_COMMAND} on a machine that reaches the vendors' sites, review the lock file's diff and commit it; until then the connectors stack's plan refuses`;
}

export interface InspectOptions {
  /** The zip's sha256 pinned in the lock file; undefined while unrecorded. */
  readonly pin: string | undefined;
  /** Where Terraform paths are relative to. */
  readonly projectRoot: string;
  /** @default LOCK_FILE */
  readonly lockFile?: string;
}

/**
 * The plugin of `spec` with its pin, its zip in `dir` checked if present: not a zip, or another
 * connector or version, is a {@link UserError}; missing, or another sha256 than the pin, a warning.
 */
export function inspectPlugin(spec: PluginSpec, dir: string, options: InspectOptions): PluginArtifact {
  const file = join(dir, spec.file);
  const lockFile = options.lockFile ?? LOCK_FILE;
  const common = { spec, terraformPath: terraformPath(file, options.projectRoot), path: file, lockFile };
  const pinned = (warning?: string): PluginArtifact =>
    options.pin === undefined
      ? { ...common, state: "unpinned", ...(warning ? { warning } : {}) }
      : { ...common, state: "ready", sha256: options.pin, ...(warning ? { warning } : {}) };
  if (!existsSync(file)) return pinned(missingZipMessage(file));
  const fix = `delete it and run ${FETCH_COMMAND}`;
  let entries: string[];
  try {
    entries = listZipEntries(file);
  } catch (error) {
    if (error instanceof NotAZipError) throw new UserError(`${file} is not a zip file: ${fix}`);
    if (error instanceof ZipError)
      throw new UserError(`${file} cannot be read as a plugin zip (${error.message}): ${fix}`);
    throw error;
  }
  for (const source of spec.sources) {
    const expected = `${source.jar.name}-${source.jar.version}.jar`;
    if (entries.some((e) => isExpectedJar(e, source.jar))) continue;
    const other = entries.find((e) => sameArtifactOtherVersion(e, source.jar));
    if (other) {
      throw new UserError(`${file} holds ${other.split("/").pop()}; expected ${expected}: ${fix}`);
    }
    throw new UserError(`${file} holds no ${expected} (not the ${spec.description}?): ${fix}`);
  }
  // Hashed only against a pin: identity never comes from the local file.
  if (options.pin === undefined) return pinned();
  const actual = sha256OfFile(file);
  return pinned(
    actual === options.pin ? undefined : differentZipMessage(file, spec.file, options.pin, lockFile, actual),
  );
}

/**
 * Synth's warnings for the plugins, one line each: the unrecorded pins together (a missing zip of an
 * unpinned plugin adds nothing: the fetch that records its pin brings it), then each pinned zip that is
 * missing or differs from its pin.
 */
export function pluginWarnings(artifacts: readonly PluginArtifact[]): string[] {
  const unpinned = artifacts.filter((a) => a.state === "unpinned");
  const lockFile = unpinned[0]?.lockFile ?? LOCK_FILE;
  return [
    ...(unpinned.length > 0
      ? [
          unpinnedMessage(
            unpinned.map((a) => a.spec.file),
            lockFile,
          ),
        ]
      : []),
    ...artifacts.flatMap((a) => (a.state === "ready" && a.warning ? [a.warning] : [])),
  ];
}
