/**
 * The synth launcher, scripts/synth.cjs: main.ts bundled by esbuild and run with plain node. Its rebuilds
 * are checked in a small scratch project (a copy of the launcher, node_modules linked) with its own bundle
 * folder, so nothing here touches src/ or the project's bundle; the real app is checked against an
 * in-process synth; and the verdict of `npm run bench -- --check` against made-up figures, and the
 * 500-table config the bench synthesizes.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { benchVerdict, MANY_TABLES, manyTablesConfig, median, TARGETS } from "../../scripts/lib/bundle-bench";
import { loadConfigFile } from "../../src/cli/load-config";
import { parseConfigText } from "../../src/config/parse";
import createTable from "../../src/sql/create-table.sql";
import { PROJECT_ROOT, runSynth, synthCommandArgs } from "../support/cli";
import { synthesize } from "../support/synth";
import { writeConnectorsDir } from "../support/zip-fixtures";

/** scripts/synth.cjs, the launcher (plain JavaScript): whether a bundle folder holds a fresh build. */
const launcher = createRequire(join(PROJECT_ROOT, "package.json"))("./scripts/synth.cjs") as {
  freshBuild(dir: string): object | undefined;
};

const scratch = mkdtempSync(join(tmpdir(), "cdc-lake-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the launcher", () => {
  it("is what npm run synth and cdktf.json's app run, with plain node", () => {
    expect(synthCommandArgs()).toEqual(["scripts/synth.cjs"]);
    const cdktf = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdktf.json"), "utf8"));
    expect(cdktf.app).toBe("node scripts/synth.cjs");
  });
});

/** A scratch project: scripts/synth.cjs copied, node_modules linked, a main.ts importing a .ts and a .sql. */
function scratchProject(name: string) {
  const root = join(scratch, name);
  mkdirSync(join(root, "scripts"), { recursive: true });
  mkdirSync(join(root, "src"));
  copyFileSync(join(PROJECT_ROOT, "scripts/synth.cjs"), join(root, "scripts/synth.cjs"));
  copyFileSync(join(PROJECT_ROOT, "tsconfig.json"), join(root, "tsconfig.json"));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  const cache = join(root, "bundle-cache");
  /** Writes a source file, dated a minute ago unless told (an mtime within a second of a build is stale). */
  const write = (file: string, text: string, ageSeconds = 60) => {
    writeFileSync(join(root, file), text);
    const when = Date.now() / 1000 - ageSeconds;
    utimesSync(join(root, file), when, when);
  };
  write(
    "main.ts",
    [
      'import greeting from "./src/greeting.sql";',
      'import { shout } from "./src/shout";',
      'process.stdout.write(`${shout(greeting)} ${process.env.PROBE ?? "-"}\\n`);',
      'process.stderr.write("to stderr\\n");',
      "process.exitCode = Number(process.env.PROBE_EXIT ?? 0);",
      "",
    ].join("\n"),
  );
  write("src/shout.ts", "export const shout = (text: string): string => text.trim().toUpperCase();\n");
  write("src/greeting.sql", "-- hello\nSELECT 1;\n");
  for (const file of ["scripts/synth.cjs", "tsconfig.json"])
    write(file, readFileSync(join(root, file), "utf8"));
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, CDC_LAKE_BUNDLE_DIR: cache, ...extra });
  return {
    root,
    cache,
    write,
    run: (extra?: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, ["scripts/synth.cjs"], {
        cwd: root,
        env: env(extra),
        encoding: "utf8",
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    spawn: (): ChildProcess => spawn(process.execPath, ["scripts/synth.cjs"], { cwd: root, env: env() }),
    record: () => JSON.parse(readFileSync(join(cache, "build.json"), "utf8")) as { bundle: string },
    recordMtime: () => statSync(join(cache, "build.json")).mtimeMs,
    bundles: () => readdirSync(cache).filter((f) => f.startsWith("main-")),
  };
}

describe("rebuilds", () => {
  const p = scratchProject("rebuilds");

  it("builds on the first run into its folder: bundle, esbuild metafile, record, and V8 code cache", () => {
    expect(p.run({ PROBE: "x" })).toEqual({
      code: 0,
      stdout: "-- HELLO\nSELECT 1; x\n",
      stderr: "to stderr\n",
    });
    const { bundle } = p.record();
    expect(p.bundles().sort()).toEqual([bundle, bundle.replace(/\.js$/, ".v8cache")]);
    const metafile = JSON.parse(readFileSync(join(p.cache, "metafile.json"), "utf8"));
    expect(Object.keys(metafile.inputs)).toEqual(
      expect.arrayContaining(["main.ts", "src/shout.ts", "src/greeting.sql"]),
    );
  });

  it("does not rebuild when nothing changed, and passes the environment, exit code and output through", () => {
    const before = p.recordMtime();
    expect(p.run({ PROBE: "y", PROBE_EXIT: "3" })).toEqual({
      code: 3,
      stdout: "-- HELLO\nSELECT 1; y\n",
      stderr: "to stderr\n",
    });
    expect(p.recordMtime()).toBe(before);
  });

  it("rebuilds when a source changes, and removes the old bundle", () => {
    const old = p.record().bundle;
    p.write("src/shout.ts", "export const shout = (text: string): string => `${text.trim()}!`;\n", 30);
    expect(p.run().stdout).toBe("-- hello\nSELECT 1;! -\n");
    expect(p.record().bundle).not.toBe(old);
    expect(existsSync(join(p.cache, old))).toBe(false);
  });

  it("rebuilds when a .sql template changes", () => {
    p.write("src/greeting.sql", "SELECT 2;\n", 20);
    expect(p.run().stdout).toBe("SELECT 2;! -\n");
  });

  it("rebuilds when only an input's mtime changes (same content, so the same bundle)", () => {
    const { bundle } = p.record();
    const before = p.recordMtime();
    p.write("src/greeting.sql", "SELECT 2;\n", 10);
    expect(p.run().code).toBe(0);
    expect(p.recordMtime()).not.toBe(before);
    expect(p.record().bundle).toBe(bundle);
  });

  it("rebuilds when the bundle or the metafile is missing", () => {
    rmSync(join(p.cache, p.record().bundle));
    expect(p.run().stdout).toBe("SELECT 2;! -\n");
    const before = p.recordMtime();
    rmSync(join(p.cache, "metafile.json"));
    expect(p.run().stdout).toBe("SELECT 2;! -\n");
    expect(p.recordMtime()).not.toBe(before);
  });

  it("rebuilds a source changed within a second of the build once more on the next run", () => {
    p.write("src/shout.ts", "export const shout = (text: string): string => `<${text.trim()}>`;\n", 0);
    expect(p.run().stdout).toBe("<SELECT 2;> -\n");
    const before = p.recordMtime();
    expect(p.run().stdout).toBe("<SELECT 2;> -\n");
    expect(p.recordMtime()).not.toBe(before);
  });

  it("prints esbuild's message and exits 1 on a syntax error, with no stack trace of the launcher", () => {
    p.write("src/shout.ts", "export const shout = (text: string): string => text.trim(;\n", 5);
    const run = p.run();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^synth: building main\.ts failed:\n/);
    expect(run.stderr).toContain("src/shout.ts:1:");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    p.write("src/shout.ts", "export const shout = (text: string): string => text.trim();\n", 5);
    expect(p.run()).toMatchObject({ code: 0, stdout: "SELECT 2; -\n" });
  });
});

describe("V8's tiers", () => {
  // A function V8 is told to optimize, and its optimization status: V8's test-only natives syntax (node
  // --allow-natives-syntax, src/runtime/runtime.h), valid as both TypeScript and JavaScript.
  const probe = [
    'const natives = (call: string) => new Function("f", `return %${call}(f)`);',
    "function hot(n: number): number {",
    "  let sum = 0;",
    "  for (let i = 0; i < n; i++) sum += i % 7;",
    "  return sum;",
    "}",
    'natives("PrepareFunctionForOptimization")(hot);',
    "hot(10);",
    'natives("OptimizeFunctionOnNextCall")(hot);',
    "hot(10);",
    'process.stdout.write(`${natives("GetOptimizationStatus")(hot)}\\n`);',
    "",
  ].join("\n");
  const NEVER_OPTIMIZE = 1 << 1;
  const TURBOFANNED = 1 << 6;

  it("runs the bundle without TurboFan (V8_FLAGS), which plain node would use", () => {
    const p = scratchProject("tiers");
    p.write("main.ts", probe);
    const status = (args: string[]) => {
      const run = spawnSync(process.execPath, ["--allow-natives-syntax", ...args], {
        cwd: p.root,
        env: { ...process.env, CDC_LAKE_BUNDLE_DIR: p.cache },
        encoding: "utf8",
      });
      expect(run.status, run.stderr).toBe(0);
      return Number(run.stdout);
    };
    // Twice: the first run compiles without a code cache, the second with the one the first wrote.
    for (let i = 0; i < 2; i++) {
      const launched = status(["scripts/synth.cjs"]);
      expect(launched & TURBOFANNED).toBe(0);
      expect(launched & NEVER_OPTIMIZE).toBe(NEVER_OPTIMIZE);
    }
    const plain = status(["-e", probe.replace(/: (number|string)/g, "")]);
    expect(plain & TURBOFANNED).toBe(TURBOFANNED);
  });
});

describe("an unwritable bundle folder", () => {
  it("only costs speed: every run builds and runs the bundle from memory", () => {
    const p = scratchProject("unwritable");
    writeFileSync(join(p.root, "not-a-folder"), "");
    const cache = join(p.root, "not-a-folder", "cache");
    for (let i = 0; i < 2; i++) {
      expect(p.run({ CDC_LAKE_BUNDLE_DIR: cache })).toEqual({
        code: 0,
        stdout: "-- HELLO\nSELECT 1; -\n",
        stderr: "to stderr\n",
      });
    }
  });
});

describe("a bug in the app", () => {
  it("keeps its stack trace and exit code 1, and Node prints a short bundle line, not a megabyte", () => {
    const p = scratchProject("bug");
    p.write("src/shout.ts", "export const shout = (text: any): string => text.missing.deep;\n");
    const run = p.run();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("TypeError: Cannot read properties of undefined (reading 'deep')");
    expect(run.stderr).toMatch(/^\s+at shout \(.*main-[0-9a-f]+\.js:\d+:\d+\)$/m);
    expect(run.stderr.length).toBeLessThan(4000);
  });
});

describe("concurrent synths", () => {
  it("never read a half-written bundle: four at once on an empty bundle folder all succeed", async () => {
    const p = scratchProject("concurrent");
    const runs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<{ code: number | null; stdout: string }>((done) => {
            const child = p.spawn();
            let stdout = "";
            child.stdout?.on("data", (chunk) => {
              stdout += chunk;
            });
            child.on("close", (code) => done({ code, stdout }));
          }),
      ),
    );
    expect(runs).toEqual(Array(4).fill({ code: 0, stdout: "-- HELLO\nSELECT 1; -\n" }));
    expect(readdirSync(p.cache).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("the real app through the launcher", () => {
  const connectors = writeConnectorsDir(join(scratch, "connectors")).dir;
  const realBundle = join(scratch, "real-bundle");

  it.each(["config/demo.yaml", "config/production.yaml"])(
    "writes byte for byte the stacks of an in-process synth: %s",
    (configFile) => {
      const outdir = join(scratch, `launcher-${configFile.replace(/\W/g, "-")}`);
      const run = runSynth(
        { PIPELINE_CONFIG: configFile, CDC_CONNECTORS_DIR: connectors, CDC_LAKE_BUNDLE_DIR: realBundle },
        outdir,
      );
      expect(run.code, run.stderr).toBe(0);
      const inProcess = synthesize(loadConfigFile(configFile), { connectorsDir: connectors });
      try {
        const names = Object.keys(inProcess.stacks).sort();
        expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(names);
        for (const name of names) {
          // Every file of the stack's folder: cdk.tf.json, the lake's raw resources, the SQL files.
          const files = (dir: string) =>
            readdirSync(dir, { recursive: true, withFileTypes: true })
              .filter((f) => f.isFile())
              .map((f) => join(f.parentPath, f.name).slice(dir.length + 1))
              .sort();
          const launched = join(outdir, "stacks", name);
          expect(files(launched), name).toEqual(files(inProcess.stackDir(name)));
          expect(files(launched)).toContain("cdk.tf.json");
          for (const file of files(launched)) {
            expect(readFileSync(join(launched, file), "utf8"), `${name}/${file}`).toBe(
              readFileSync(join(inProcess.stackDir(name), file), "utf8"),
            );
          }
        }
      } finally {
        inProcess.cleanup();
      }
    },
  );

  it("leaves archiver out of the bundle (cdktf zips asset folders with it; the pipeline has none), saying so if called", () => {
    const run = runSynth(
      { CDC_CONNECTORS_DIR: connectors, CDC_LAKE_BUNDLE_DIR: realBundle },
      join(scratch, "out-a"),
    );
    expect(run.code, run.stderr).toBe(0);
    const metafile = JSON.parse(readFileSync(join(realBundle, "metafile.json"), "utf8"));
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain("scripts/archiver-left-out.cjs");
    expect(inputs.filter((i) => /node_modules\/(archiver|readable-stream|archiver-utils)\//.test(i))).toEqual(
      [],
    );
    // The bundle still holds cdktf's asset code, which would call the stand-in.
    expect(inputs).toContain("node_modules/cdktf/lib/private/fs.js");
    const leftOut = createRequire(join(PROJECT_ROOT, "package.json"))("./scripts/archiver-left-out.cjs");
    expect(() => leftOut("zip", {})).toThrow(
      "archiver is left out of the synth bundle (scripts/archiver-left-out.cjs): remove the alias in scripts/synth.cjs to zip a TerraformAsset folder",
    );
  });

  it("loads child_process only when used (cdktf requires it for what a synth never runs), through a working stand-in", () => {
    const preload = join(scratch, "module-list.cjs");
    const list = join(scratch, "module-list.json");
    writeFileSync(
      preload,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    // A run that builds the bundle loads esbuild, which spawns its binary: measured on a run that does not.
    const env = { CDC_CONNECTORS_DIR: connectors, CDC_LAKE_BUNDLE_DIR: realBundle };
    for (let i = 0; i < 3 && !launcher.freshBuild(realBundle); i++)
      runSynth(env, join(scratch, `out-cp-${i}`));
    expect(launcher.freshBuild(realBundle)).toBeDefined();
    const run = runSynth({ ...env, NODE_OPTIONS: `--require ${preload}` }, join(scratch, "out-cp"));
    expect(run.code, run.stderr).toBe(0);
    const loaded = JSON.parse(readFileSync(list, "utf8")) as string[];
    expect(loaded).toContain("NativeModule fs");
    // (net is loaded anyway when stdout is a pipe, as here.)
    expect(loaded.filter((m) => /child_process|dgram/.test(m))).toEqual([]);
    const metafile = JSON.parse(readFileSync(join(realBundle, "metafile.json"), "utf8"));
    expect(Object.keys(metafile.inputs)).toContain("scripts/child-process-on-demand.cjs");
    const onDemand = createRequire(join(PROJECT_ROOT, "package.json"))(
      "./scripts/child-process-on-demand.cjs",
    );
    expect(
      onDemand.execFileSync(process.execPath, ["-e", "process.stdout.write('ran')"], { encoding: "utf8" }),
    ).toBe("ran");
  });

  it("imports the .sql templates as their files' text (vitest: the sql-text plugin in vitest.config.ts)", () => {
    expect(createTable).toBe(readFileSync(join(PROJECT_ROOT, "src/sql/create-table.sql"), "utf8"));
  });
});

describe("bench --check verdict", () => {
  const figures = { floorSeconds: 0.08, synthSeconds: 0.32, peakMb: 110, manyTablesSeconds: 0.4 };

  it("passes at or below the three targets", () => {
    expect(TARGETS).toEqual({ ratio: 5, peakMb: 150, manyTablesRatio: 1.5 });
    expect(benchVerdict(figures).ok).toBe(true);
    expect(benchVerdict(figures).lines).toEqual([
      "ratio 4.00× within target (≤ 5×)",
      "peak RSS 110 MB within target (≤ 150 MB)",
      "500 tables 1.25× of 1 table within target (≤ 1.5×)",
    ]);
    const atLimits = {
      floorSeconds: 0.08,
      synthSeconds: 0.4,
      peakMb: TARGETS.peakMb,
      manyTablesSeconds: 0.6,
    };
    expect(benchVerdict(atLimits).ok).toBe(true);
    expect(benchVerdict(figures).ratio).toBeCloseTo(4);
    expect(benchVerdict(figures).manyTablesRatio).toBeCloseTo(1.25);
  });

  it("fails when 500 tables take more than 1.5× one table, whatever node -e 0 takes", () => {
    const verdict = benchVerdict({ ...figures, manyTablesSeconds: 0.49 });
    expect(verdict.ok).toBe(false);
    expect(verdict.lines[2]).toBe("500 tables 1.53× of 1 table OVER TARGET (≤ 1.5×)");
    expect(verdict.lines.slice(0, 2)).toEqual(benchVerdict(figures).lines.slice(0, 2));
    // The ratio is to the one-table synth of the same run, not to the floor.
    expect(
      benchVerdict({ ...figures, floorSeconds: 0.3, synthSeconds: 0.31, manyTablesSeconds: 0.5 }).ok,
    ).toBe(false);
    expect(benchVerdict({ ...figures, manyTablesSeconds: Number.NaN }).ok).toBe(false);
    expect(benchVerdict({ ...figures, manyTablesSeconds: 0 }).ok).toBe(false);
  });

  it("fails above the ratio, however fast the machine", () => {
    const verdict = benchVerdict({ ...figures, synthSeconds: 0.41 });
    expect(verdict.ok).toBe(false);
    expect(verdict.lines[0]).toMatch(/^ratio 5\.13× OVER TARGET/);
    expect(
      benchVerdict({ ...figures, floorSeconds: 0.01, synthSeconds: 0.06, manyTablesSeconds: 0.06 }).ok,
    ).toBe(false);
  });

  it("fails above the peak RSS, or when it could not be measured, or on a figure that is no number", () => {
    expect(benchVerdict({ ...figures, peakMb: 151 }).lines[1]).toMatch(/OVER TARGET/);
    expect(benchVerdict({ ...figures, peakMb: 151 }).ok).toBe(false);
    expect(benchVerdict({ ...figures, peakMb: undefined }).ok).toBe(false);
    expect(benchVerdict({ ...figures, floorSeconds: 0 }).ok).toBe(false);
    expect(benchVerdict({ ...figures, synthSeconds: Number.NaN }).ok).toBe(false);
  });

  it("compares medians", () => {
    expect(median([0.3, 0.1, 5, 0.2, 0.25])).toBe(0.25);
    expect(median([1, 2, 3, 4])).toBe(2.5);
  });
});

describe("the bench's 500-table config", () => {
  const demoText = readFileSync(join(PROJECT_ROOT, "config/demo.yaml"), "utf8");
  const text = manyTablesConfig(demoText);

  it("is config/demo.yaml with only capture.tables replaced", () => {
    const { capture, ...rest } = parse(text);
    const { capture: demoCapture, ...demoRest } = parse(demoText);
    expect(rest).toEqual(demoRest);
    const { tables: _, ...captureRest } = capture;
    const { tables: __, ...demoCaptureRest } = demoCapture;
    expect(captureRest).toEqual(demoCaptureRest);
    // Comments outside capture.tables stay, so the file is parsed as the demo's is.
    expect(text).toContain("# The demo pipeline: the seed lab's setup");
  });

  it("captures 500 tables in 20 schemas: 450 the application's, 50 created with 2 or 3 columns", () => {
    const config = parseConfigText(text, "500-tables.yaml");
    // The file's `capture` is the managed source's (the RDS instance the pipeline creates), listed first.
    expect(config.sources).toHaveLength(1);
    const tables = config.sources[0]?.capture.tables ?? [];
    expect(tables).toHaveLength(MANY_TABLES.tables);
    expect(new Set(tables.map((t) => t.schema)).size).toBe(MANY_TABLES.schemas);
    expect(tables.slice(0, 2).map((t) => `${t.schema}.${t.table}`)).toEqual(["s01.t001", "s01.t002"]);
    expect(`${tables[499]?.schema}.${tables[499]?.table}`).toBe("s20.t500");
    const created = tables.filter((t) => t.columns !== undefined);
    expect(created.map((t) => t.table)).toEqual(
      Array.from({ length: 50 }, (_, i) => `t${String(10 * (i + 1)).padStart(3, "0")}`),
    );
    expect(created.filter((t) => t.columns?.length === 3)).toHaveLength(25);
    expect(created[1]?.columns?.map((c) => c.name)).toEqual(["id", "name", "updated_at"]);
    // One table per line, as a person keeps a list of 500.
    expect(text).toContain("\n    - { schema: s01, table: t001 }\n");
  });

  it("fails on a config without a capture section", () => {
    expect(() => manyTablesConfig("project: x\n")).toThrow(
      "bench: got a config without a capture section (or with YAML errors); expected config/demo.yaml's shape",
    );
  });
});
