import { type SpawnSyncReturns, spawnSync } from "node:child_process";
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

/** Runs the app as `npm run synth` does, with its output going to `outdir`. */
export function runSynth(env: NodeJS.ProcessEnv, outdir: string): CliRun {
  return collect(
    spawnSync(process.execPath, ["--require", "tsx/cjs", "main.ts"], {
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
