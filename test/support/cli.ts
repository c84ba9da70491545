import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "../..");

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function collect(result: SpawnSyncReturns<string>): CliRun {
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `npm run synth`'s command (package.json), `node scripts/synth.cjs`: its arguments, to run with this very
 * Node binary. Read, not repeated, so the tests run what `npm run synth` runs.
 */
export function synthCommandArgs(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(PROJECT_ROOT, "package.json"), "utf8"));
  const script: string = pkg.scripts.synth;
  const [command, ...args] = script.trim().split(/\s+/);
  if (command !== "node") throw new Error(`npm run synth is no plain node command: ${script}`);
  return args;
}

/** Runs the app as `npm run synth` does, with its output going to `outdir`. */
export function runSynth(env: NodeJS.ProcessEnv, outdir: string): CliRun {
  return collect(
    spawnSync(process.execPath, synthCommandArgs(), {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
      encoding: "utf8",
    }),
  );
}

/** Runs the real `cdktf synth` CLI, with no telemetry and no update check. */
export function runCdktfSynth(env: NodeJS.ProcessEnv, outdir: string): CliRun {
  return collect(
    spawnSync(resolve(PROJECT_ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", outdir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, CHECKPOINT_DISABLE: "1", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1", CI: "1" },
      encoding: "utf8",
      timeout: 60_000,
    }),
  );
}
