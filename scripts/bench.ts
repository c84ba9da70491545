/**
 * `npm run bench`: how long a synth of the default config takes and how much memory it needs,
 * in-process (app build + synth, imports excluded) and as a whole `npm run synth` process.
 * Targets (issue 3): a whole process ≤ 0.6 s and ≤ 150 MB.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_SECONDS = 0.6;
const TARGET_MB = 150;
const GNU_TIME = "/usr/bin/time";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function verdict(value: number, target: number): string {
  return value <= target ? "within target" : "OVER TARGET";
}

function inProcess(): void {
  const start = performance.now();
  const { configFileFromEnv, loadConfigFile } =
    require("../src/config/load") as typeof import("../src/config/load");
  const { buildPipelineApp } = require("../src/app") as typeof import("../src/app");
  const importMs = performance.now() - start;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-bench-"));
    const t0 = performance.now();
    buildPipelineApp(loadConfigFile(configFileFromEnv()), { outdir }).app.synth();
    times.push(performance.now() - t0);
    rmSync(outdir, { recursive: true, force: true });
  }
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `in-process     : imports ${importMs.toFixed(0)} ms once; load+build+synth median ${median(times).toFixed(0)} ms ` +
      `over ${RUNS} runs; peak RSS ${peakMb.toFixed(0)} MB (this process, all runs)`,
  );
}

function wholeProcess(): boolean {
  const hasGnuTime = existsSync(GNU_TIME);
  const seconds: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-bench-"));
    const command = ["npm", "run", "--silent", "synth"];
    const t0 = performance.now();
    // GNU time reports the largest RSS among the processes it waited for (npm, sh, node).
    const result = hasGnuTime
      ? spawnSync(GNU_TIME, ["-f", "%M", ...command], {
          env: { ...process.env, CDKTF_OUTDIR: outdir },
          encoding: "utf8",
        })
      : spawnSync(command[0] as string, command.slice(1), {
          env: { ...process.env, CDKTF_OUTDIR: outdir },
          encoding: "utf8",
        });
    seconds.push((performance.now() - t0) / 1000);
    rmSync(outdir, { recursive: true, force: true });
    if (result.status !== 0) {
      console.error(`npm run synth failed:\n${result.stderr}`);
      process.exit(1);
    }
    if (hasGnuTime) peaks.push(Number(result.stderr.trim().split("\n").pop()) / 1024);
  }
  const wall = median(seconds);
  const peak = peaks.length ? Math.max(...peaks) : Number.NaN;
  console.log(
    `npm run synth  : median ${wall.toFixed(2)} s (${verdict(wall, TARGET_SECONDS)}, ≤ ${TARGET_SECONDS} s); ` +
      (hasGnuTime
        ? `peak RSS ${peak.toFixed(0)} MB (${verdict(peak, TARGET_MB)}, ≤ ${TARGET_MB} MB)`
        : `peak RSS not measured (install GNU time: apt-get install time)`),
  );
  return wall <= TARGET_SECONDS && (!hasGnuTime || peak <= TARGET_MB);
}

console.log(`benchmark of ${process.env.PIPELINE_CONFIG || "config/demo.yaml"}, ${RUNS} runs each`);
inProcess();
const ok = wholeProcess();
if (process.argv.includes("--check") && !ok) process.exit(1);
