/**
 * Synth-time check of the connector zips: each plugin zip exists, is a zip, and holds the expected jar of
 * the expected version for every source merged into it. A missing zip is a warning (synth still writes
 * every stack, and the connectors stack's plan refuses with the same message); a wrong one is an error.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UserError } from "../errors";
import { isExpectedJar, type PluginSpec, sameArtifactOtherVersion } from "./manifest";
import { listZipEntries, NotAZipError, ZipError } from "./zip";

export const FETCH_COMMAND = "npm run connectors:fetch";

export type PluginArtifact =
  | {
      readonly spec: PluginSpec;
      readonly state: "ready";
      /** Path as Terraform reads it from `<outdir>/stacks/<stack>`: relative inside the project. */
      readonly terraformPath: string;
      readonly sha256: string;
    }
  | { readonly spec: PluginSpec; readonly state: "missing"; readonly message: string };

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

/** A plugin whose zip is not in `dir`: synth warns, and the connectors stack's plan refuses. */
export function missingPlugin(spec: PluginSpec, dir: string): PluginArtifact {
  const file = join(dir, spec.file);
  return {
    spec,
    state: "missing",
    message: `${file} is missing: run ${FETCH_COMMAND} (it downloads and verifies the connector zips)`,
  };
}

/** Inspects the zip of `spec` in `dir`; `projectRoot` is where Terraform paths are relative to. */
export function inspectPlugin(spec: PluginSpec, dir: string, projectRoot: string): PluginArtifact {
  const file = join(dir, spec.file);
  const fix = `delete it and run ${FETCH_COMMAND}`;
  if (!existsSync(file)) return missingPlugin(spec, dir);
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
  return {
    spec,
    state: "ready",
    terraformPath: terraformPath(file, projectRoot),
    sha256: sha256OfFile(file),
  };
}
