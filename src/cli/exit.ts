import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors";

/** Where a bug is reported: printed with every internal error. */
export const REPORT_BUGS_AT = "the cdc-lake issue tracker, with this line and your config (no secrets in it)";

/** Removes the stacks and manifest of an earlier synth, whichever environment wrote them. */
export function removeSynthOutput(outdir: string): void {
  rmSync(join(outdir, "stacks"), { recursive: true, force: true });
  rmSync(join(outdir, "manifest.json"), { force: true });
}

/**
 * Runs the synth into `outdir`, which it empties first: only what this run writes can be deployed (a
 * synth of production after one of demo must not leave demo's stacks beside production's manifest).
 *
 * Whatever goes wrong ends the same way: the stacks written so far are removed and one message is printed,
 * with exit 1 for a problem the user fixes (config, zips, environment) and exit 2 for a bug, said to be
 * one ("internal error", where to report it), never a stack trace (CDC_LAKE_DEBUG=1 prints it).
 */
export function exitOnUserError(synth: () => void, outdir: string): void {
  try {
    removeSynthOutput(outdir);
    // cdktf writes into outdir but does not create its parents (CDKTF_OUTDIR=build/out on a fresh clone).
    mkdirSync(outdir, { recursive: true });
    synth();
  } catch (error) {
    removeSynthOutput(outdir);
    if (error instanceof UserError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const firstLine = what.split("\n", 1)[0]?.slice(0, 300) ?? "";
    process.stderr.write(
      `internal error: ${firstLine} (a bug in cdc-lake, not in your input: report it on ${REPORT_BUGS_AT}; CDC_LAKE_DEBUG=1 prints where)\n`,
    );
    if (process.env.CDC_LAKE_DEBUG === "1" && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    process.exit(2);
  }
}
