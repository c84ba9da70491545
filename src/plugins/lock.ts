/**
 * connectors/connectors.lock.json: the sha256 pin of every file the connectors manifest names (each
 * downloaded source, and each plugin zip built by merging sources), committed with the repository.
 *
 * A pin is `null` until recorded: this machine or a checkout may be unable to download the vendors'
 * files, so the lock says which pins are still unrecorded instead of trusting whatever a first download
 * brings. The first `npm run connectors:fetch` on a machine that reaches the vendors records them, as a
 * diff of this committed file to review; every later fetch verifies against them, and so does the
 * connectors stack's plan (the plugin zip's pin is its S3 key and its name). A recorded pin changes only
 * through `npm run connectors:fetch -- --update-pin <file>`.
 *
 * Read at synth too, so this module needs nothing but node:fs (no network client).
 */
import { existsSync, readFileSync } from "node:fs";
import { UserError } from "../errors";
import type { ConnectorManifest } from "./manifest";

export const FETCH_COMMAND = "npm run connectors:fetch";
/** The explicit command that changes a recorded pin. */
export const updatePinCommand = (file: string) => `${FETCH_COMMAND} -- --update-pin ${file}`;

/** The lock file's own explanation, written as its first key. */
export const LOCK_COMMENT =
  'sha256 pins of the connector zips, per file in connectors/ (connectors.json says where each comes from). "sha256": null is a pin not recorded yet: the first `npm run connectors:fetch` on a machine that reaches the vendors records it; review that diff and commit it. Until every plugin zip is pinned, synth warns and the connectors stack\'s plan refuses. A recorded pin is verified by every fetch and every plan; change one only with `npm run connectors:fetch -- --update-pin <file>`, after checking why the file changed.';

/** A downloaded source: its pin and where it comes from. */
export interface SourcePin {
  readonly sha256: string | null;
  readonly url: string;
}

/** A plugin zip built by merging sources (deterministically: same sources, same bytes). */
export interface BuiltPin {
  readonly sha256: string | null;
  readonly builtFrom: readonly string[];
}

export type LockEntry = SourcePin | BuiltPin;

/** connectors.lock.json: per file name, its pin. */
export type ConnectorLock = Record<string, LockEntry>;

/** A lock file that cannot be read: one line naming the file and the fix. */
export class ConnectorLockError extends UserError {
  override name = "ConnectorLockError";
}

export function isBuiltPin(entry: LockEntry): entry is BuiltPin {
  return "builtFrom" in entry;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The lock file's text: the comment, then files sorted, two-space indent, trailing newline (stable diffs). */
export function formatLock(lock: ConnectorLock): string {
  const sorted: Record<string, unknown> = { $comment: LOCK_COMMENT };
  for (const file of Object.keys(lock).sort()) {
    const entry = lock[file] as LockEntry;
    sorted[file] = isBuiltPin(entry)
      ? { sha256: entry.sha256, builtFrom: [...entry.builtFrom] }
      : { sha256: entry.sha256, url: entry.url };
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Parses a lock file's text; `lockFile` names it in errors. */
export function parseLock(text: string, lockFile: string): ConnectorLock {
  const invalid = (why: string) =>
    new ConnectorLockError(`${lockFile}: invalid lock file: ${why}; restore it from git or fix it by hand`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid('expected an object of { "<file>": { "sha256": ..., "url" or "builtFrom": ... } }');
  }
  const lock: ConnectorLock = {};
  for (const [file, entry] of Object.entries(parsed)) {
    if (file === "$comment") continue;
    const { sha256, url, builtFrom } = (entry ?? {}) as Record<string, unknown>;
    const pin = sha256 === null || (typeof sha256 === "string" && SHA256.test(sha256));
    if (pin && typeof url === "string" && builtFrom === undefined) {
      lock[file] = { sha256: sha256 as string | null, url };
    } else if (
      pin &&
      url === undefined &&
      Array.isArray(builtFrom) &&
      builtFrom.every((f) => typeof f === "string")
    ) {
      lock[file] = { sha256: sha256 as string | null, builtFrom: builtFrom as string[] };
    } else {
      throw invalid(
        `entry ${file} must be { "sha256": "<64 hex digits>" or null, "url": "<url>" } or { "sha256": ..., "builtFrom": ["<source file>", ...] }`,
      );
    }
  }
  return lock;
}

/** Reads the lock file; a missing file is an empty lock (every pin unrecorded). */
export function readLock(lockFile: string): ConnectorLock {
  if (!existsSync(lockFile)) return {};
  return parseLock(readFileSync(lockFile, "utf8"), lockFile);
}

/** The recorded pin of `file`, or undefined while unrecorded (null, or no entry). */
export function pinOf(lock: ConnectorLock, file: string): string | undefined {
  return lock[file]?.sha256 ?? undefined;
}

/**
 * The lock the manifest calls for: an entry for every source and every built plugin zip, keeping the
 * recorded pins of `lock`, `null` for the others. A pin recorded for another kind of entry (source or
 * built), or for a plugin built from other sources, is dropped: the manifest changed, so the file is new.
 * Files the manifest no longer names are left out.
 */
export function lockForManifest(manifest: ConnectorManifest, lock: ConnectorLock): ConnectorLock {
  const out: ConnectorLock = {};
  for (const plugin of manifest.plugins) {
    for (const source of plugin.sources) {
      const previous = lock[source.file];
      const sha256 = previous && !isBuiltPin(previous) ? previous.sha256 : null;
      out[source.file] = { sha256, url: source.url };
    }
  }
  for (const plugin of manifest.plugins) {
    if (plugin.sources.length === 1 && plugin.sources[0]?.file === plugin.file) continue;
    const builtFrom = plugin.sources.map((s) => s.file);
    const previous = lock[plugin.file];
    const same = previous && isBuiltPin(previous) && previous.builtFrom.join("\n") === builtFrom.join("\n");
    out[plugin.file] = { sha256: same ? previous.sha256 : null, builtFrom };
  }
  return out;
}
