/**
 * What `npm run deploy` does, as data: its options, the order of the stacks (from the synthesized
 * manifest's dependencies) and the tofu/terraform commands for each. No process is started here, so the
 * tests check the order and every command without a binary; scripts/deploy.ts runs them.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, relative } from "node:path";
import { parseArgs } from "node:util";

export const ACTIONS = ["plan", "apply", "destroy"] as const;
export type Action = (typeof ACTIONS)[number];

export const USAGE = `usage: npm run deploy -- <plan|apply|destroy> [stack...] [options]
  plan      synth, then init and plan each stack in dependency order; each plan is saved (-out)
  apply     the same, then apply each saved plan, stack after stack (asks first, unless --yes)
  destroy   the same in reverse order, with destroy plans (asks before each stack, unless --yes)
  stack...  only these stacks of the synthesized environment (still in dependency order)
options:
  --env-config <file>       the pipeline config to synthesize (PIPELINE_CONFIG; default config/demo.yaml)
  --outdir <dir>            where synth writes the stacks and they are run (CDKTF_OUTDIR; default cdktf.out)
  --no-synth                run the stacks already synthesized in --outdir
  --plugin-dir <dir>        install providers only from this local mirror (init -plugin-dir; TF_PLUGIN_DIR)
  --lock-platform <os_arch> write each stack's lock file first, for this platform (repeatable), with
                            providers lock (-fs-mirror=<plugin dir> when one is given)
  --lock-dir <dir>          keep lock files there as <stack>.terraform.lock.hcl; one found there is
                            copied in and init must match it (-lockfile=readonly)
  --yes                     apply or destroy without asking
environment: TERRAFORM_BINARY_NAME (default: tofu if on PATH, else terraform), TF_CLI_CONFIG_FILE,
  TF_PLUGIN_CACHE_DIR (default ~/.terraform.d/plugin-cache, as cdktf; CDKTF_DISABLE_PLUGIN_CACHE_ENV=1: none)`;

/** A mistake on the command line: printed with the usage, exit 2. */
export class UsageError extends Error {}

/** A problem with what the run found (no manifest, an unknown stack, no binary): one line, exit 1. */
export class DeployError extends Error {}

export interface DeployOptions {
  readonly action: Action;
  /** Stacks named on the command line; empty: every stack of the manifest. */
  readonly stacks: readonly string[];
  /** The config file to synthesize; undefined: PIPELINE_CONFIG or synth's default. */
  readonly envConfig?: string;
  readonly outdir: string;
  readonly synth: boolean;
  readonly pluginDir?: string;
  readonly lockPlatforms: readonly string[];
  readonly lockDir?: string;
  readonly yes: boolean;
}

/** Terraform's platform names: `<os>_<arch>` (linux_amd64, darwin_arm64, windows_amd64…). */
const PLATFORM = /^[a-z0-9]+_[a-z0-9]+$/;

export function parseDeployArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DeployOptions {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, ...stacks] = positionals;
  if (action === undefined) throw new UsageError("no action: expected plan, apply or destroy");
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`unknown action "${action}": expected plan, apply or destroy`);
  }
  const synth = !values["no-synth"];
  if (!synth && values["env-config"] !== undefined) {
    throw new UsageError("--env-config has no effect with --no-synth: the stacks are already synthesized");
  }
  const lockPlatforms = values["lock-platform"] ?? [];
  for (const platform of lockPlatforms) {
    if (!PLATFORM.test(platform)) {
      throw new UsageError(
        `--lock-platform ${platform}: expected <os>_<arch>, e.g. linux_amd64 or darwin_arm64`,
      );
    }
  }
  const nonEmpty = (flag: string, value: string | undefined) => {
    if (value !== undefined && value.trim() === "") throw new UsageError(`${flag}: expected a value`);
    return value?.trim() || undefined;
  };
  return {
    action: action as Action,
    stacks,
    envConfig: nonEmpty("--env-config", values["env-config"]),
    outdir: nonEmpty("--outdir", values.outdir) ?? (env.CDKTF_OUTDIR?.trim() || "cdktf.out"),
    synth,
    pluginDir: nonEmpty("--plugin-dir", values["plugin-dir"]) ?? (env.TF_PLUGIN_DIR?.trim() || undefined),
    lockPlatforms,
    lockDir: nonEmpty("--lock-dir", values["lock-dir"]),
    yes: values.yes ?? false,
  };
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      "env-config": { type: "string" },
      outdir: { type: "string" },
      "no-synth": { type: "boolean" },
      "plugin-dir": { type: "string" },
      "lock-platform": { type: "string", multiple: true },
      "lock-dir": { type: "string" },
      yes: { type: "boolean" },
    },
    strict: true,
    allowPositionals: true,
  });
}

/** One stack of cdktf's manifest.json. */
export interface ManifestStack {
  readonly name: string;
  /** The stacks whose outputs it reads (cdktf writes them from cross-stack references). */
  readonly dependencies: readonly string[];
  /** Its folder, relative to the outdir. */
  readonly workingDirectory: string;
}

/** Reads `<outdir>/manifest.json`, as cdktf synth (and npm run synth) writes it. */
export function readManifest(outdir: string): ManifestStack[] {
  const file = join(outdir, "manifest.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new DeployError(`${file} not found: synthesize first (npm run synth), or drop --no-synth`);
  }
  let stacks: Record<string, unknown>;
  try {
    stacks = JSON.parse(text).stacks;
    if (typeof stacks !== "object" || stacks === null) throw new Error("no stacks");
  } catch {
    throw new DeployError(`${file} is not a cdktf manifest (no "stacks"): synthesize again (npm run synth)`);
  }
  return Object.entries(stacks).map(([name, raw]) => {
    const stack = raw as { dependencies?: unknown; workingDirectory?: unknown };
    const dependencies = Array.isArray(stack.dependencies) ? stack.dependencies.map(String) : [];
    const workingDirectory =
      typeof stack.workingDirectory === "string" ? stack.workingDirectory : join("stacks", name);
    return { name, dependencies, workingDirectory };
  });
}

/**
 * Where a stack stands when the manifest leaves two unordered (the connectors stack without its zips
 * reads nothing from the others): the pipeline's layering, so destroy still goes connectors → platform.
 */
const LAYER_SUFFIXES = ["-platform", "-database", "-connectors"];

function layer(name: string): number {
  const index = LAYER_SUFFIXES.findIndex((suffix) => name.endsWith(suffix));
  return index < 0 ? LAYER_SUFFIXES.length : index;
}

/**
 * The stacks to deploy, each after the stacks it depends on (the manifest's `dependencies`); ties go by
 * layer, then by name. `selected` keeps only those stacks (in the same order); empty keeps them all.
 * Destroy runs the reverse of this order.
 */
export function deployOrder(
  stacks: readonly ManifestStack[],
  selected: readonly string[] = [],
): ManifestStack[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  for (const stack of stacks) {
    for (const dependency of stack.dependencies) {
      if (!byName.has(dependency)) {
        throw new DeployError(`${stack.name} depends on ${dependency}, which the manifest does not hold`);
      }
    }
  }
  const unknown = selected.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    const known = [...byName.keys()].sort().join(", ") || "none";
    throw new DeployError(`unknown stack ${unknown.join(", ")}: the synthesized stacks are ${known}`);
  }
  const compare = (a: ManifestStack, b: ManifestStack) =>
    layer(a.name) - layer(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const done = new Set<string>();
  const order: ManifestStack[] = [];
  let pending = [...stacks];
  while (pending.length > 0) {
    const ready = pending.filter((s) => s.dependencies.every((d) => done.has(d))).sort(compare);
    const next = ready[0];
    if (next === undefined) {
      throw new DeployError(
        `the stacks ${pending.map((s) => s.name).join(", ")} depend on each other in a cycle`,
      );
    }
    order.push(next);
    done.add(next.name);
    pending = pending.filter((s) => s !== next);
  }
  const keep = new Set(selected);
  return selected.length === 0 ? order : order.filter((s) => keep.has(s.name));
}

/** The order of `action`: dependency order, reversed for destroy. */
export function actionOrder(
  action: Action,
  stacks: readonly ManifestStack[],
  selected: readonly string[] = [],
): ManifestStack[] {
  const order = deployOrder(stacks, selected);
  return action === "destroy" ? order.reverse() : order;
}

export type StepName = "providers lock" | "init" | "plan" | "apply";

/** One tofu/terraform command, run in the stack's folder (`-chdir`). */
export interface Step {
  readonly name: StepName;
  readonly args: readonly string[];
}

/** The saved plan of a stack, in its folder. */
export function planFileName(stack: string): string {
  return `${stack}.tfplan`;
}

/**
 * The commands for one stack, in order. `lockedByFile`: a lock file from --lock-dir is in place, and no
 * --lock-platform rewrites it, so init must match it exactly (`-lockfile=readonly`).
 *
 * plan runs with `-detailed-exitcode` (0: no changes, 2: changes, 1: error), so apply and destroy skip
 * stacks with nothing to do; apply takes the saved plan file and nothing else, so it applies exactly what
 * was shown.
 */
export function stackSteps(
  options: Pick<DeployOptions, "action" | "pluginDir" | "lockPlatforms">,
  stack: string,
  lockedByFile = false,
): Step[] {
  const steps: Step[] = [];
  const planFile = planFileName(stack);
  if (options.lockPlatforms.length > 0) {
    steps.push({
      name: "providers lock",
      args: [
        "providers",
        "lock",
        ...(options.pluginDir ? [`-fs-mirror=${options.pluginDir}`] : []),
        ...options.lockPlatforms.map((p) => `-platform=${p}`),
      ],
    });
  }
  steps.push({
    name: "init",
    args: [
      "init",
      "-input=false",
      ...(options.pluginDir ? [`-plugin-dir=${options.pluginDir}`] : []),
      ...(lockedByFile && options.lockPlatforms.length === 0 ? ["-lockfile=readonly"] : []),
    ],
  });
  steps.push({
    name: "plan",
    args: [
      "plan",
      "-input=false",
      ...(options.action === "destroy" ? ["-destroy"] : []),
      `-out=${planFile}`,
      "-detailed-exitcode",
    ],
  });
  if (options.action !== "plan") steps.push({ name: "apply", args: ["apply", "-input=false", planFile] });
  return steps;
}

/** A word as the shell reads it: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A folder as the user may type it: relative to `cwd` when inside it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/** The command line a user reruns by hand (without -detailed-exitcode, whose exit 2 means success). */
export function rerunCommand(binary: string, stackDir: string, step: Step): string {
  const args = step.args.filter((a) => a !== "-detailed-exitcode");
  return [binary, `-chdir=${stackDir}`, ...args].map(shellQuote).join(" ");
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The path of `name` as the shell would find it (a name with a slash is a path already). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes("/") || name.includes("\\")) return isExecutableFile(name) ? name : undefined;
  const extensions = process.platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    for (const ext of extensions) {
      const candidate = join(dir, name + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The binary to run: TERRAFORM_BINARY_NAME (cdktf's variable: a name on PATH or a path), else `tofu`
 * when on PATH, else `terraform`. Returns the name as given (for the rerun line) and where it was found.
 */
export function chooseBinary(env: NodeJS.ProcessEnv): { readonly name: string; readonly path: string } {
  const named = env.TERRAFORM_BINARY_NAME?.trim();
  if (named) {
    const path = findOnPath(named, env);
    if (!path) {
      throw new DeployError(
        `TERRAFORM_BINARY_NAME=${named}: not found${named.includes("/") ? "" : " on PATH"}; set it to tofu, terraform or a path to either`,
      );
    }
    return { name: named, path };
  }
  for (const name of ["tofu", "terraform"]) {
    const path = findOnPath(name, env);
    if (path) return { name, path };
  }
  throw new DeployError(
    "neither tofu nor terraform on PATH: install OpenTofu or Terraform >= 1.11, or set TERRAFORM_BINARY_NAME",
  );
}
