/**
 * `npm run bench`: how long a synth of the default config (config/demo.yaml) takes and how much memory it
 * needs, as a whole `node scripts/synth.cjs` process (what `npm run synth` and `cdktf synth` run) against
 * `node -e 0` on the same machine in the same run, and in-process (the bundle evaluated again and again);
 * and the same synth of a config that captures 500 tables (demo.yaml with another capture.tables).
 * Targets: the synth's median ≤ 5× the median of `node -e 0`, ≤ 150 MB peak RSS (GNU time) (issue 9);
 * 500 tables ≤ 1.5× the demo's one table (issue 12). `--check` exits 1 when a target is missed twice in a
 * row. The runs interleave (floor, synth, 500 tables, floor, …) so that a noisy machine slows all three;
 * BENCH_RUNS sets how many of each (default 11: on a shared 2-core machine a median of 7 moved by ±0.1× between
 * runs of the same code, more than the 500-table target, at 1.2-1.35× with the lake on, should have to absorb).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchVerdict, MANY_TABLES, manyTablesConfig, median, TARGETS } from "./lib/bundle-bench";

interface Bundle {
  readonly file: string;
  readonly source: string;
}

/** scripts/synth.cjs, the launcher (plain JavaScript). */
interface Launcher {
  bundleDir(): string;
  freshBuild(dir: string): { readonly bundle: string } | undefined;
  ensureBundle(): Bundle;
  compileBundle(bundle: Bundle, options?: { writeCache: boolean }): () => void;
}

const ROOT = resolve(__dirname, "..");
const LAUNCHER = "scripts/synth.cjs";
const launcher = require("./synth.cjs") as Launcher;
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const GNU_TIME = "/usr/bin/time";
const hasGnuTime = existsSync(GNU_TIME);

interface Run {
  readonly seconds: number;
  readonly peakMb: number | undefined;
}

/** The default config (PIPELINE_CONFIG unset), or `config`. */
function childEnv(outdir: string, config: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.PIPELINE_CONFIG;
  if (config !== undefined) env.PIPELINE_CONFIG = config;
  return env;
}

/**
 * Runs `node <args>` from the project root, with `config` as PIPELINE_CONFIG when given; wall time, and peak
 * RSS through GNU time when it is there.
 */
function timed(args: readonly string[], config?: string): Run {
  const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-bench-"));
  const [command, commandArgs] = hasGnuTime
    ? [GNU_TIME, ["-f", "%M", process.execPath, ...args]]
    : [process.execPath, [...args]];
  try {
    const t0 = performance.now();
    const result = spawnSync(command, commandArgs, {
      cwd: ROOT,
      env: childEnv(outdir, config),
      encoding: "utf8",
    });
    const seconds = (performance.now() - t0) / 1000;
    if (result.status !== 0) {
      console.error(`node ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr}`);
      process.exit(1);
    }
    // GNU time prints the peak RSS (KB) as the last line of stderr, after the app's own output.
    const peakMb = hasGnuTime ? Number(result.stderr.trim().split("\n").pop()) / 1024 : undefined;
    return { seconds, peakMb };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Builds the bundle when it is stale and writes its code cache, so that no timed run does either. */
function warmUp(): void {
  const dir = launcher.bundleDir();
  const warm = () => {
    const record = launcher.freshBuild(dir);
    return record !== undefined && existsSync(join(dir, record.bundle.replace(/\.js$/, ".v8cache")));
  };
  // A source changed within a second of a build is recorded as stale, hence up to three runs.
  for (let i = 0; i < 3 && !warm(); i++) timed([LAUNCHER]);
  if (!warm())
    console.warn("warning: the bundle is still stale after three runs; the timings include builds");
  timed(["-e", "0"]);
}

function mb(value: number | undefined): string {
  return value === undefined ? "not measured" : `${value.toFixed(0)} MB`;
}

/**
 * The whole process, of the demo and of `manyTables` (a config file), interleaved with `node -e 0`;
 * returns whether the targets are met.
 */
function wholeProcess(manyTables: string): boolean {
  warmUp();
  const floor: Run[] = [];
  const synth: Run[] = [];
  const many: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    floor.push(timed(["-e", "0"]));
    synth.push(timed([LAUNCHER]));
    many.push(timed([LAUNCHER], manyTables));
  }
  const peak = (runs: Run[]) => (hasGnuTime ? Math.max(...runs.map((r) => r.peakMb as number)) : undefined);
  const seconds = (runs: Run[]) => median(runs.map((r) => r.seconds));
  const verdict = benchVerdict({
    floorSeconds: seconds(floor),
    synthSeconds: seconds(synth),
    peakMb: peak(synth),
    manyTablesSeconds: seconds(many),
  });
  const rows: [string, Run[]][] = [
    ["node -e 0", floor],
    ["1 table", synth],
    [`${MANY_TABLES.tables} tables`, many],
  ];
  for (const [label, runs] of rows)
    console.log(`${label.padEnd(11)}: median ${seconds(runs).toFixed(3)} s; peak RSS ${mb(peak(runs))}`);
  for (const [i, line] of verdict.lines.entries())
    console.log(`${(i === 0 ? "verdict" : "").padEnd(11)}: ${line}`);
  return verdict.ok;
}

/** Writes the many-tables config (config/demo.yaml with 500 tables) into a new temporary folder. */
function writeManyTablesConfig(): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "cdc-lake-bench-config-"));
  const file = join(dir, `${MANY_TABLES.tables}-tables.yaml`);
  writeFileSync(file, manyTablesConfig(readFileSync(join(ROOT, "config/demo.yaml"), "utf8")));
  return { file, dir };
}

/** Writes nothing to this process's stdout and stderr while `fn` runs (the app prints its summary). */
function quietly(fn: () => void): void {
  const { stdout, stderr } = process;
  const [out, err] = [stdout.write, stderr.write];
  stdout.write = (() => true) as typeof stdout.write;
  stderr.write = (() => true) as typeof stderr.write;
  try {
    fn();
  } finally {
    stdout.write = out;
    stderr.write = err;
  }
}

/** The bundle compiled once and evaluated RUNS times in this process: module init and synth each time. */
function inProcess(): void {
  const bundle = launcher.ensureBundle();
  const t0 = performance.now();
  const run = launcher.compileBundle(bundle, { writeCache: false });
  const compileMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-bench-"));
    process.env.CDKTF_OUTDIR = outdir;
    const start = performance.now();
    quietly(run);
    times.push(performance.now() - start);
    rmSync(outdir, { recursive: true, force: true });
  }
  delete process.env.CDKTF_OUTDIR;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `in-process : bundle compiled in ${compileMs.toFixed(0)} ms; first run ${(times[0] as number).toFixed(0)} ms ` +
      `(module init + load + build + synth), then median ${median(times.slice(1)).toFixed(0)} ms over ` +
      `${RUNS - 1} runs; peak RSS ${peakMb.toFixed(0)} MB (this process, all runs)`,
  );
}

process.chdir(ROOT);
if (process.env.PIPELINE_CONFIG) console.log(`(PIPELINE_CONFIG=${process.env.PIPELINE_CONFIG} is ignored)`);
delete process.env.PIPELINE_CONFIG;
console.log(
  `benchmark: ${RUNS} runs each of node -e 0, node ${LAUNCHER} (config/demo.yaml, 1 table) and the same ` +
    `with ${MANY_TABLES.tables} tables in ${MANY_TABLES.schemas} schemas, interleaved`,
);
console.log(
  `targets: 1 table ≤ ${TARGETS.ratio}× node -e 0 and ≤ ${TARGETS.peakMb} MB; ` +
    `${MANY_TABLES.tables} tables ≤ ${TARGETS.manyTablesRatio}× 1 table`,
);
const manyTables = writeManyTablesConfig();
let ok: boolean;
try {
  ok = wholeProcess(manyTables.file);
  // A shared 2-core machine has bursts that move one median of 7 by 10 %: a missed target is measured once
  // more, and --check fails only when both measurements miss it (a real regression misses both).
  if (!ok && process.argv.includes("--check")) {
    console.log("a target is missed: measuring once more before failing");
    ok = wholeProcess(manyTables.file);
  }
} finally {
  rmSync(manyTables.dir, { recursive: true, force: true });
}
inProcess();
if (process.argv.includes("--check") && !ok) {
  console.error("bench --check: a target is missed (see above)");
  process.exit(1);
}
