#!/usr/bin/env node
/**
 * `npm run synth` and cdktf.json's "app": runs main.ts with plain `node`, as one CommonJS bundle.
 *
 * esbuild bundles main.ts, our sources and the node_modules they use into one file under
 * node_modules/.cache/cdc-lake/ (CDC_LAKE_BUNDLE_DIR overrides the folder). Each run stats the inputs
 * recorded at the last build (their size and mtime) and rebuilds when one changed or the bundle is missing.
 * The bundle runs in this process, so the app sees the same environment and sets the exit code, stdout and
 * stderr itself. V8's code cache of the bundle (the public vm.Script cachedData API) is kept beside it,
 * named by the bundle's hash, and written once after a successful run.
 *
 * Files in the folder: metafile.json (esbuild's: every input and why it is in), build.json (the commit
 * point: which bundle, and the size and mtime of each metafile input), main-<hash>.js and
 * main-<hash>.v8cache. Every file is written under a temporary name and renamed, and bundles are named by
 * their content, so synths running at once never read a half-written file.
 *
 * The bundle runs without V8's optimizing compilers (V8_FLAGS below).
 *
 * Plain JavaScript on purpose: it runs before anything could compile TypeScript.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const v8 = require("node:v8");
const vm = require("node:vm");
const { createRequire } = require("node:module");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = "main.ts";
const RECORD = "build.json";
const METAFILE = "metafile.json";
/** Files that shape the bundle without being part of it: a change to one rebuilds too. */
const EXTRA_INPUTS = ["tsconfig.json", "node_modules/esbuild/package.json", path.relative(ROOT, __filename)];
/**
 * No keepNames: esbuild then renames the few clashing top-level names of one bundle (class Grant may
 * become Grant2), which shows only in a constructor's name inside a bug's message; keeping names costs a
 * `__name` call per class and function at load (~20 ms of a synth). Whitespace and syntax are minified
 * (no comments: the bundle is ASCII, see `encoding`), identifiers are not, so a stack trace still names
 * our functions; lines are kept short, as Node prints the line of an uncaught error; no source maps.
 */
const BUILD_OPTIONS = {
  entryPoints: [ENTRY],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  keepNames: false,
  minifyWhitespace: true,
  minifySyntax: true,
  lineLimit: 160,
  sourcemap: false,
  legalComments: "none",
  loader: { ".sql": "text" },
  // Code the synth never runs: left out, or loaded only when used (each file says why).
  alias: {
    archiver: "./scripts/archiver-left-out.cjs",
    child_process: "./scripts/child-process-on-demand.cjs",
  },
  metafile: true,
  write: false,
  logLevel: "silent",
};

/**
 * `--max-opt=1`: V8 runs the bundle in its interpreter and baseline compiler (Sparkplug) only, without
 * TurboFan (or Maglev, on Node ≥ 22); the results are the same, only the tiers differ
 * (https://v8.dev/blog/sparkplug). A synth lasts a fraction of a second, too short for optimized code to
 * repay its compilation, which competes with the synth for a small machine's cores. Median CPU time of 11
 * runs on a 2-core machine (issue 12): the demo 380 → 350 ms, 500 tables 720 → 510 ms, 2000 tables 1130 →
 * 890 ms. Node's v8.setFlagsFromString after start-up may leave a flag without effect; this one takes
 * effect (test/cli/bundle.test.ts, "V8's tiers"). Set before the bundle is compiled: V8's code cache records
 * the flags it was made under and is rejected (then rewritten) under others.
 */
const V8_FLAGS = "--max-opt=1";

function bundleDir() {
  const dir = process.env.CDC_LAKE_BUNDLE_DIR;
  return dir ? path.resolve(dir) : path.join(ROOT, "node_modules", ".cache", "cdc-lake");
}

/** Writes under a temporary name in the same folder, then renames: readers see the old file or the new one. */
function writeAtomically(file, data) {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

function stamp(file) {
  const stat = fs.statSync(path.resolve(ROOT, file), { throwIfNoEntry: false });
  return stat ? [stat.size, stat.mtimeMs] : null;
}

/** The record of the last build when every input is as it was then and its files exist, else undefined. */
function freshBuild(dir) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(path.join(dir, RECORD), "utf8"));
  } catch {
    return undefined;
  }
  const files = [METAFILE, record.bundle].map((name) => path.join(dir, name));
  if (record.root !== ROOT || !files.every((file) => fs.existsSync(file))) return undefined;
  for (const [file, size, mtimeMs] of record.inputs) {
    const now = stamp(file);
    if (now === null || now[0] !== size || now[1] !== mtimeMs) return undefined;
  }
  return record;
}

/** A build error (a syntax error in a source, a missing module): esbuild's message on stderr, exit 1. */
class BuildError extends Error {}

/**
 * Bundles main.ts into `dir`; returns the bundle's path and source. Throws BuildError with esbuild's
 * messages. When `dir` cannot be written, the bundle still runs, from memory and without a code cache.
 */
function build(dir) {
  const esbuild = require("esbuild");
  const started = Date.now();
  let result;
  try {
    result = esbuild.buildSync({ ...BUILD_OPTIONS, absWorkingDir: ROOT, outfile: "main.js" });
  } catch (error) {
    if (!Array.isArray(error?.errors)) throw error;
    const color = Boolean(process.stderr.isTTY);
    throw new BuildError(esbuild.formatMessagesSync(error.errors, { kind: "error", color }).join(""));
  }
  const [output] = result.outputFiles;
  const hash = require("node:crypto").createHash("sha256").update(output.contents).digest("hex").slice(0, 16);
  const bundle = `main-${hash}.js`;
  const inputs = [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS].map((file) => {
    const now = stamp(file);
    // Changed while esbuild read it (or too recently to tell): record it as stale, so the next run rebuilds.
    if (now === null || now[1] > started - 1000) return [file, -1, -1];
    return [file, ...now];
  });
  // esbuild escapes non-ASCII in strings (charset ascii) and drops comments: an ASCII bundle is read as
  // latin1, which is a copy, where decoding megabytes of UTF-8 takes longer than the synth's own reads.
  const encoding = require("node:buffer").isAscii(output.contents) ? "latin1" : "utf8";
  const record = { root: ROOT, bundle, encoding, esbuild: esbuild.version, inputs };
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeAtomically(path.join(dir, bundle), output.contents);
    writeAtomically(path.join(dir, METAFILE), JSON.stringify(result.metafile));
    writeAtomically(path.join(dir, RECORD), `${JSON.stringify(record)}\n`);
    removeOtherBundles(dir, hash);
  } catch {
    // A read-only folder: every run builds, which only costs speed.
  }
  return { file: path.join(dir, bundle), source: output.text };
}

/** Old bundles and caches, and temporary files older than a minute (a build that was killed). */
function removeOtherBundles(dir, hash) {
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    const old = /^main-[0-9a-f]+\.(js|v8cache)$/.test(name) && !name.startsWith(`main-${hash}.`);
    try {
      if (old || (name.endsWith(".tmp") && now - fs.statSync(file).mtimeMs > 60_000)) fs.rmSync(file);
    } catch {
      // Another synth removed it first.
    }
  }
}

/** The bundle's path and source, built first when it is missing or stale. */
function ensureBundle(dir = bundleDir()) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const record = freshBuild(dir);
    if (record === undefined) break;
    const file = path.join(dir, record.bundle);
    try {
      return { file, source: fs.readFileSync(file, record.encoding === "latin1" ? "latin1" : "utf8") };
    } catch (error) {
      // A concurrent build replaced it between reading build.json and the bundle: look again.
      if (error.code !== "ENOENT") throw error;
    }
  }
  return build(dir);
}

/**
 * Compiles the bundle with V8's code cache of it when there is one (written after the first successful run
 * without). Returns a function that evaluates it as a fresh CommonJS module, which runs the app.
 */
function compileBundle({ file, source }, options = { writeCache: true }) {
  v8.setFlagsFromString(V8_FLAGS);
  const cacheFile = file.replace(/\.js$/, ".v8cache");
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER, // Node ≥ 20.12
  });
  if (options.writeCache && (cachedData === undefined || script.cachedDataRejected)) {
    // After the run, so the cache holds the functions the run compiled; only after a successful one.
    process.once("exit", (code) => {
      if (code !== 0) return;
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // A read-only cache folder only costs speed.
      }
    });
  }
  const evaluate = script.runInThisContext();
  const bundleRequire = createRequire(file);
  return () => {
    // The bundle requires only Node's built-in modules.
    const bundleModule = { id: ".", filename: file, exports: {}, loaded: false, children: [], paths: [] };
    evaluate(bundleModule.exports, bundleRequire, bundleModule, file, path.dirname(file));
    bundleModule.loaded = true;
  };
}

function main() {
  let bundle;
  try {
    bundle = ensureBundle();
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    process.stderr.write(`synth: building ${ENTRY} failed:\n${error.message}`);
    process.exit(1);
  }
  compileBundle(bundle)();
}

module.exports = { ROOT, ENTRY, BuildError, bundleDir, build, ensureBundle, freshBuild, compileBundle };

if (require.main === module) main();
