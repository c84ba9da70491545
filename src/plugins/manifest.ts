/**
 * connectors/connectors.json: the plugins MSK Connect runs, where each comes from, and which jar (name
 * and version) proves a zip is the right one. Read by `npm run connectors:fetch` and by synth.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const JarSchema = z.strictObject({
  /** Artifact name, e.g. debezium-connector-postgres; the jar is `<name>-<version>.jar` (or `<name>-<version>-*.jar`). */
  name: z.string().min(1),
  version: z.string().min(1),
});

const SourceSchema = z.strictObject({
  /** File name in connectors/. */
  file: z.string().regex(/^[\w.-]+\.zip$/),
  url: z.url({ protocol: /^https?$/ }),
  jar: JarSchema,
  /**
   * Largest download accepted for this source, in MB (MiB); larger ones are refused (from Content-Length
   * before a byte is written, else as soon as the count passes it). Set it only for a zip bigger than the
   * default cap of `npm run connectors:fetch` (512 MB, or its `--max-mb`).
   */
  maxMB: z.number().positive().optional(),
});

const PluginSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  description: z.string(),
  /** The plugin zip uploaded to S3: the only source itself, or the sources merged into one zip. */
  file: z.string().regex(/^[\w.-]+\.zip$/),
  connectorClass: z.string(),
  sources: z.array(SourceSchema).min(1),
});

export const ConnectorManifestSchema = z.strictObject({
  $comment: z.string().optional(),
  plugins: z.array(PluginSchema).min(1),
});

export type ConnectorManifest = z.output<typeof ConnectorManifestSchema>;
export type PluginSpec = ConnectorManifest["plugins"][number];
export type SourceSpec = PluginSpec["sources"][number];
export type JarSpec = SourceSpec["jar"];

export const CONNECTORS_DIR = "connectors";
export const MANIFEST_FILE = join(CONNECTORS_DIR, "connectors.json");
export const LOCK_FILE = join(CONNECTORS_DIR, "connectors.lock.json");

export function loadManifest(file = MANIFEST_FILE): ConnectorManifest {
  return ConnectorManifestSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** The plugin of the manifest with this id; a missing id is a bug in the stack, not user input. */
export function pluginById(manifest: ConnectorManifest, id: string): PluginSpec {
  const plugin = manifest.plugins.find((p) => p.id === id);
  if (!plugin) throw new Error(`connectors manifest has no plugin "${id}"`);
  return plugin;
}

/** True when `entry` (a path inside a zip) is the jar `spec` names: `<name>-<version>.jar` or `<name>-<version>-<classifier>.jar`. */
export function isExpectedJar(entry: string, spec: JarSpec): boolean {
  const base = entry.split("/").pop() ?? "";
  const stem = `${spec.name}-${spec.version}`;
  return base === `${stem}.jar` || (base.startsWith(`${stem}-`) && base.endsWith(".jar"));
}

/** Jars of the same artifact but another version: what "wrong version" means. */
export function sameArtifactOtherVersion(entry: string, spec: JarSpec): boolean {
  const base = entry.split("/").pop() ?? "";
  return (
    base.startsWith(`${spec.name}-`) &&
    base.endsWith(".jar") &&
    /^\d/.test(base.slice(spec.name.length + 1)) &&
    !isExpectedJar(entry, spec)
  );
}
