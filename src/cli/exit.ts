import { rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors";

/**
 * Runs the synth; on a user error prints its message, removes any stacks already written (so no stale
 * or partial output can be deployed) and exits 1. Anything else is a bug and keeps its stack trace.
 */
export function exitOnUserError(synth: () => void, outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out"): void {
  try {
    synth();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    rmSync(join(outdir, "stacks"), { recursive: true, force: true });
    rmSync(join(outdir, "manifest.json"), { force: true });
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
