/**
 * The layer rules in biome.json (README, Layers) bite: for each case a probe file with one import (or one use
 * of `process`) is written where a real module of that layer lives, linted with the project's biome, and
 * removed again. Biome's --stdin-file-path mode reports no diagnostics for `lint`, so the probe is a file.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const BIOME = join(ROOT, "node_modules/.bin/biome");

const IMPORTS = "lint/style/noRestrictedImports";
const GLOBALS = "lint/style/noRestrictedGlobals";
const COMMONJS = "lint/style/noCommonJs";

/** The start of each rule's message in biome.json: enough to tell which layer rule fired. */
const MSG = {
  cli: "only the entry imports the CLI layer",
  outsideSrc: "src imports nothing outside src",
  app: "app composes stacks, constructs and leaves",
  stacks: "stacks import only constructs and leaves",
  constructs: "constructs import only constructs and leaves",
  config: "config model is a leaf: import only src/config and src/errors",
  kafkaConnect: "kafka-connect is a leaf",
  sql: "sql is a leaf",
  plugins: "plugins is a leaf",
  guardrails: "guardrails is a leaf",
  errors: "errors is the bottom leaf",
  io: "pure layer: no node:fs or node:child_process",
  process: "pure layer: no process global",
  scripts: "scripts do not import tests",
  verify: "verify reads what was deployed",
} as const;

let probeCount = 0;

interface LintRun {
  readonly code: number;
  readonly output: string;
}

function biomeLint(cwd: string, file: string, extraArgs: readonly string[] = []): LintRun {
  const run = spawnSync(BIOME, ["lint", "--colors=off", "--max-diagnostics=none", ...extraArgs, file], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

/** A folder no layer rule names, created for the run and removed after it: `{new}` in a case's `at`. */
const NEW_FOLDER = `__new_layer_${process.pid}__`;

/** Lints `source` as a new file in `dir` (relative to the repo root); the probe is always removed. */
function lintProbeIn(dir: string, source: string): LintRun {
  const folder = join(ROOT, dir.replace("{new}", NEW_FOLDER));
  // Folders the probe has to create, outermost first, so they can be removed again.
  const created: string[] = [];
  for (let d = folder; !existsSync(d); d = dirname(d)) created.unshift(d);
  probeCount += 1;
  const file = join(folder, `__layer_probe_${process.pid}_${probeCount}__.ts`);
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(file, source, { flag: "wx" });
    return biomeLint(ROOT, relative(ROOT, file));
  } finally {
    rmSync(file, { force: true });
    for (const d of created.reverse()) rmdirSync(d);
  }
}

/**
 * Lints `source` as the file `path` itself (src/app.ts, src/errors.ts: layers of one file, whose rules name
 * that path). The real file is never touched: the probe sits at that path in a scratch folder that holds a
 * copy of biome.json (the rules' globs are relative to it; the folder is no git checkout, hence no VCS).
 */
function lintProbeAs(path: string, source: string): LintRun {
  const scratch = mkdtempSync(join(tmpdir(), "layer-probe-"));
  try {
    copyFileSync(join(ROOT, "biome.json"), join(scratch, "biome.json"));
    mkdirSync(join(scratch, dirname(path)), { recursive: true });
    writeFileSync(join(scratch, path), source);
    return biomeLint(scratch, path, ["--vcs-enabled=false"]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

type Probe = { readonly import: string } | { readonly dynamicImport: string } | { readonly require: string };
type Source = Probe | { readonly code: string };

function sourceOf(probe: Source): string {
  if ("import" in probe) return `import * as probe from "${probe.import}";\n\nexport const used = probe;\n`;
  if ("dynamicImport" in probe) return `export const used = import("${probe.dynamicImport}");\n`;
  if ("require" in probe) return `export const used = require("${probe.require}");\n`;
  return probe.code;
}

function describeSource(probe: Source): string {
  if ("import" in probe) return `import "${probe.import}"`;
  if ("dynamicImport" in probe) return `import("${probe.dynamicImport}")`;
  if ("require" in probe) return `require("${probe.require}")`;
  return probe.code.trim().replace(/\s+/g, " ");
}

const USES_PROCESS_ENV: Source = { code: "export const used = process.env.PROBE;\n" };

interface Case {
  /** A folder (the probe is a new file in it) or, ending in .ts, the one file a layer consists of. */
  readonly at: string;
  readonly source: Source;
  /** Absent: the import is allowed. */
  readonly rejectedBy?: { readonly rule: string; readonly message: string };
}

const rejects = (at: string, source: Source, message: string, rule: string = IMPORTS): Case => ({
  at,
  source,
  rejectedBy: { rule, message },
});
const allows = (at: string, source: Source): Case => ({ at, source });

const imp = (specifier: string): Source => ({ import: specifier });

const CASES: readonly Case[] = [
  // The config model is a leaf: only src/config and src/errors, at both depths.
  rejects("src/config", imp("../guardrails/rules"), MSG.config),
  rejects("src/config", imp("../stacks/platform-stack"), MSG.config),
  rejects("src/config", imp("../naming"), MSG.config),
  rejects("src/config", imp("../cli/exit"), MSG.config),
  rejects("src/config", imp(".."), MSG.config),
  rejects("src/config", { dynamicImport: "../stacks/platform-stack" }, MSG.config),
  rejects("src/config", { code: 'export type { PipelineStacks } from "../app";\n' }, MSG.config),
  rejects(
    "src/config",
    { require: "../stacks/platform-stack" },
    "Use ESM imports instead of require",
    COMMONJS,
  ),
  rejects("src/config", imp("node:fs"), MSG.io),
  rejects("src/config", imp("fs"), MSG.io),
  rejects("src/config", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/config", imp("../errors")),
  allows("src/config", imp("./cidr")),
  allows("src/config", imp("./fields")),
  allows("src/config", imp("./sections/network")),
  allows("src/config", imp("zod")),
  rejects("src/config/sections", imp("../../guardrails/rules"), MSG.config),
  rejects("src/config/sections", imp("../../stacks/platform-stack"), MSG.config),
  rejects("src/config/sections", imp("../../naming"), MSG.config),
  rejects("src/config/sections", imp("../../cli/exit"), MSG.config),
  rejects("src/config/sections", imp("../../../test/support/synth"), MSG.config),
  rejects("src/config/sections", imp("node:fs/promises"), MSG.io),
  rejects("src/config/sections", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/config/sections", imp("../../errors")),
  allows("src/config/sections", imp("../fields")),
  allows("src/config/sections", imp("../cidr")),
  allows("src/config/sections", imp("./network")),

  // App composition: stacks, constructs and leaves, never the CLI; no file system, no environment.
  rejects(
    "src/app.ts",
    { code: 'import { main } from "./cli/exit";\n\nexport const used = main;\n' },
    MSG.app,
  ),
  rejects("src/app.ts", imp("./cli"), MSG.app),
  rejects("src/app.ts", imp("../test/support/synth"), MSG.outsideSrc),
  rejects("src/app.ts", imp("../main"), MSG.outsideSrc),
  rejects("src/app.ts", imp("node:fs"), MSG.io),
  rejects("src/app.ts", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/app.ts", imp("./stacks/platform-stack")),
  allows("src/app.ts", imp("./constructs/storage/private-bucket")),
  allows("src/app.ts", imp("./guardrails/rules")),
  allows("src/app.ts", imp("./plugins/manifest")),
  allows("src/app.ts", imp("./config/schema")),
  allows("src/app.ts", imp("./errors")),
  allows("src/app.ts", imp("cdktf")),

  // verify (npm run verify): reads what was deployed through config and leaves; never the stacks or constructs.
  rejects("src/verify", imp("../stacks/platform-stack"), MSG.verify),
  rejects("src/verify", imp("../constructs/postgres/cdc-role"), MSG.verify),
  rejects("src/verify", imp("../app"), MSG.verify),
  rejects("src/verify", imp("../cli/exit"), MSG.verify),
  rejects("src/verify", imp("../../test/support/synth"), MSG.outsideSrc),
  allows("src/verify", imp("../config/naming")),
  allows("src/verify", imp("../kafka-connect/topics")),
  allows("src/verify", imp("../sql/capture-sql")),
  allows("src/verify", imp("./check")),
  allows("src/verify", imp("pg")),
  rejects("src/stacks", imp("../verify/run"), MSG.stacks),
  rejects("src/constructs/network", imp("../../verify/check"), MSG.constructs),

  // Stacks: constructs and leaves only.
  rejects("src/stacks", imp("../app"), MSG.stacks),
  rejects("src/stacks", imp("../cli/exit"), MSG.stacks),
  rejects("src/stacks", imp("../../test/support/synth"), MSG.outsideSrc),
  rejects("src/stacks", imp("node:fs/promises"), MSG.io),
  rejects("src/stacks", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/stacks", imp("./backend")),
  allows("src/stacks", imp("../constructs/network/pipeline-network")),
  allows("src/stacks", imp("../config/schema")),
  allows("src/stacks", imp("../kafka-connect/topics")),
  allows("src/stacks", imp("../sql/capture-sql")),

  // Constructs (src/constructs/<domain>/*.ts): constructs and leaves only; no I/O, no environment.
  rejects("src/constructs/network", imp("../../stacks/platform-stack"), MSG.constructs),
  rejects("src/constructs/network", imp("../../app"), MSG.constructs),
  rejects("src/constructs/network", imp("../../cli/exit"), MSG.constructs),
  rejects("src/constructs/network", imp("../../../scripts/bench"), MSG.outsideSrc),
  rejects("src/constructs/network", imp("node:fs"), MSG.io),
  rejects("src/constructs/network", imp("fs"), MSG.io),
  rejects("src/constructs/network", imp("fs/promises"), MSG.io),
  rejects("src/constructs/network", imp("node:child_process"), MSG.io),
  rejects("src/constructs/network", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/constructs/network", imp("../../kafka-connect/topics")),
  allows("src/constructs/network", imp("../../plugins/inspect-plugin")),
  allows("src/constructs/network", imp("../../config/schema")),
  allows("src/constructs/network", imp("../security/arn-parts")),
  allows("src/constructs/network", imp("./pipeline-security-group")),
  allows("src/constructs/network", imp("node:crypto")),

  // Guardrails: a leaf (rules in rules/, registry rules/index.ts).
  rejects("src/guardrails", imp("../stacks/platform-stack"), MSG.guardrails),
  rejects("src/guardrails", imp("../config/schema"), MSG.guardrails),
  rejects("src/guardrails", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/guardrails", imp("./rule")),
  allows("src/guardrails", imp("./rules")),
  allows("src/guardrails", imp("../errors")),
  rejects("src/guardrails/rules", imp("../../stacks/platform-stack"), MSG.guardrails),
  rejects("src/guardrails/rules", imp("../../constructs/storage/private-bucket"), MSG.guardrails),
  rejects("src/guardrails/rules", imp("node:fs"), MSG.io),
  allows("src/guardrails/rules", imp("../rule")),
  allows("src/guardrails/rules", imp("./iam-wildcards")),
  allows("src/guardrails/rules", imp("../../errors")),

  // kafka-connect and sql: leaves; no I/O, no environment.
  rejects("src/kafka-connect", imp("../config/schema"), MSG.kafkaConnect),
  rejects("src/kafka-connect", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/kafka-connect", imp("./topics")),
  allows("src/kafka-connect", imp("../errors")),
  rejects("src/sql", imp("../config/schema"), MSG.sql),
  rejects("src/sql", imp("node:fs"), MSG.io),
  rejects("src/sql", USES_PROCESS_ENV, MSG.process, GLOBALS),
  allows("src/sql", imp("./create-table.sql")),
  allows("src/sql", imp("node:crypto")),

  // Plugins: a leaf that may read and write files and the environment.
  rejects("src/plugins", imp("../cli/exit"), MSG.plugins),
  rejects("src/plugins", imp("../config/schema"), MSG.plugins),
  allows("src/plugins", imp("./zip")),
  allows("src/plugins", imp("../errors")),
  allows("src/plugins", imp("node:fs")),
  allows("src/plugins", USES_PROCESS_ENV),

  // The errors leaf imports nothing of the project.
  rejects("src/errors.ts", imp("./config/naming"), MSG.errors),
  rejects("src/errors.ts", imp("./cli/exit"), MSG.errors),
  rejects("src/errors.ts", imp("."), MSG.errors),
  allows("src/errors.ts", imp("node:util")),

  // Any other file of src, and a folder no rule names yet, still may not import the CLI or leave src.
  rejects("src", imp("./cli/exit"), MSG.cli),
  rejects("src", imp("../test/support/synth"), MSG.outsideSrc),
  rejects("src/{new}", imp("../cli/exit"), MSG.cli),
  rejects("src/{new}", imp("../../main"), MSG.outsideSrc),
  rejects("src/{new}/deeper", imp("../../cli/exit"), MSG.cli),
  rejects("src/{new}/deeper", { require: "../../cli/exit" }, "Use ESM imports instead of require", COMMONJS),
  allows("src", imp("./config/schema")),
  allows("src/{new}", imp("../config/schema")),
  allows("src/{new}/deeper", imp("../../config/schema")),

  // The CLI and the entry may import anything.
  allows("src/cli", imp("../app")),
  allows("src/cli", imp("../stacks/platform-stack")),
  allows("src/cli", imp("node:fs")),
  allows("src/cli", USES_PROCESS_ENV),
  allows(".", imp("./src/cli/exit")),
  allows(".", USES_PROCESS_ENV),

  // Scripts may import src, never the tests.
  rejects("scripts", imp("../test/support/x"), MSG.scripts),
  rejects("scripts", imp("../test"), MSG.scripts),
  allows("scripts", imp("../src/plugins/zip")),
  allows("scripts", imp("../src/cli/exit")),
  allows("scripts", imp("./lib/terraform-tools")),
  rejects("scripts/lib", imp("../../test/support/x"), MSG.scripts),
  allows("scripts/lib", imp("../../src/config/schema")),

  // Tests may import anything.
  allows("test/lint", imp("../../src/cli/exit")),
  allows("test/lint", imp("../support/cli")),
];

describe("layer rules in biome.json", () => {
  it.each(CASES.map((c) => [`${c.at}: ${describeSource(c.source)}`, c] as const))("%s", (_name, c) => {
    const source = sourceOf(c.source);
    const run = c.at.endsWith(".ts") ? lintProbeAs(c.at, source) : lintProbeIn(c.at, source);
    if (c.rejectedBy) {
      expect(run.code, run.output).toBe(1);
      expect(run.output).toContain(c.rejectedBy.rule);
      expect(run.output).toContain(c.rejectedBy.message);
    } else {
      expect(run.output).not.toMatch(/noRestrictedImports|noRestrictedGlobals|noCommonJs/);
      expect(run.code, run.output).toBe(0);
    }
  });
});
