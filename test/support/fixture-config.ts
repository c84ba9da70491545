import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";

/**
 * A fixture config's `# base: <name>` header line: the fixture is a patch over config/<name>.yaml (a null
 * deletes a key), or undefined when the file is a whole config.
 */
export function fixtureBase(header: readonly string[]): string | undefined {
  return header
    .find((l) => l.startsWith("# base: "))
    ?.slice("# base: ".length)
    .replace(/\r$/, "");
}

/** `patch` applied to `base`: objects merge key by key, a null deletes the key, anything else replaces. */
export function mergeConfig(base: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    base && typeof base === "object" && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeConfig(out[key], value);
  }
  return out;
}

/** The config text a patch fixture stands for: config/<base>.yaml with the fixture applied. */
export function patchedConfigText(projectRoot: string, base: string, fixtureText: string): string {
  const merged = mergeConfig(
    parse(readFileSync(join(projectRoot, `config/${base}.yaml`), "utf8")),
    parse(fixtureText),
  );
  return stringify(merged, { lineWidth: 0 });
}
