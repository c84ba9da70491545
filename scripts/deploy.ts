/**
 * `npm run deploy -- <plan|apply|destroy> [stack...] [--env-config <file>] [--outdir <dir>] [--no-synth]
 * [--plugin-dir <dir>] [--lock-platform <os_arch>]... [--lock-dir <dir>] [--yes]`: the pipeline with
 * OpenTofu or Terraform alone, no cdktf CLI. Synthesizes (npm run synth's command), then, stack after
 * stack in the manifest's dependency order (reversed for destroy): init, plan saved with -out, and for
 * apply/destroy that very plan file applied after a "yes" (or --yes). The commands, as data, are in
 * scripts/lib/deploy-steps.ts.
 *
 * Every failure ends in one line on stderr naming the stack, the step and the command to rerun by hand,
 * and a non-zero exit: 1 for a failed step or a refusal, 2 for a usage error, 130 after Ctrl-C (the
 * running tofu/terraform gets the Ctrl-C from the terminal itself and stops cleanly; no further step runs).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import {
  type Action,
  actionOrder,
  chooseBinary,
  DeployError,
  type DeployOptions,
  displayPath,
  type ManifestStack,
  parseDeployArgs,
  planFileName,
  readManifest,
  rerunCommand,
  type Step,
  shellQuote,
  stackSteps,
  USAGE,
  UsageError,
} from "./lib/deploy-steps";

/** npm run synth's command is `node scripts/synth.cjs` (package.json); it runs here with this node. */
const SYNTH_SCRIPT = resolve(__dirname, "synth.cjs");
const LOCK_FILE = ".terraform.lock.hcl";

/** A failure already worded for the user, with its exit code. */
class Stop extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

let interrupted = false;
let running: ChildProcess | undefined;
const onInterrupt: Array<() => void> = [];

// Ctrl-C reaches the whole foreground process group: tofu/terraform stops by itself (a second signal
// would make it exit at once, possibly with its state lock held), so this process only remembers it,
// lets the step end and runs no other. SIGTERM is for this process alone: pass it on.
process.on("SIGINT", () => {
  interrupted = true;
  for (const callback of onInterrupt.splice(0)) callback();
});
process.on("SIGTERM", () => {
  interrupted = true;
  running?.kill("SIGTERM");
  for (const callback of onInterrupt.splice(0)) callback();
});

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number | string> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: "inherit", env });
    running = child;
    child.on("error", (error: NodeJS.ErrnoException) => {
      running = undefined;
      done(error.code ?? error.message);
    });
    child.on("close", (code, signal) => {
      running = undefined;
      done(code ?? signal ?? "no exit status");
    });
  });
}

/** Lines typed (or piped) on stdin, read only while a question waits. */
class Answers {
  private reader?: Interface;
  private readonly lines: string[] = [];
  private waiting?: (line: string | undefined) => void;
  private closed = false;

  async ask(question: string): Promise<string | undefined> {
    process.stderr.write(question);
    if (!this.reader) {
      this.reader = createInterface({ input: process.stdin, terminal: false });
      this.reader.on("line", (line) => {
        if (this.waiting) this.answer(line);
        else this.lines.push(line);
      });
      this.reader.on("close", () => {
        this.closed = true;
        this.answer(undefined);
      });
    }
    const queued = this.lines.shift();
    if (queued !== undefined) return queued;
    if (this.closed || interrupted) return undefined;
    this.reader.resume();
    return new Promise((resolveAnswer) => {
      this.waiting = resolveAnswer;
      onInterrupt.push(() => this.answer(undefined));
    });
  }

  private answer(line: string | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.reader?.pause();
    if (line === undefined) process.stderr.write("\n");
    waiting?.(line);
  }

  close(): void {
    this.reader?.close();
  }
}

/** The environment of every tofu/terraform run: no checkpoint call, and cdktf's plugin cache. */
function terraformEnv(options: DeployOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  // Synth rewrites each stack's folder, .terraform included: without a cache every run would download the
  // providers again (the AWS provider is ~700 MB unpacked). cdktf sets the same cache, the same way.
  if (!options.pluginDir && !env.TF_PLUGIN_CACHE_DIR && !env.CDKTF_DISABLE_PLUGIN_CACHE_ENV) {
    const cache = join(homedir(), ".terraform.d", "plugin-cache");
    try {
      mkdirSync(cache, { recursive: true });
      env.TF_PLUGIN_CACHE_DIR = cache;
    } catch {
      // No writable home: providers are downloaded into each stack, which only costs time.
    }
  }
  return env;
}

async function synth(options: DeployOptions): Promise<void> {
  const settings: Record<string, string> = { CDKTF_OUTDIR: options.outdir };
  if (options.envConfig) settings.PIPELINE_CONFIG = options.envConfig;
  say(`synth${options.envConfig ? ` of ${options.envConfig}` : ""} into ${options.outdir}`);
  // cdktf's App creates the outdir but not its parents.
  mkdirSync(options.outdir, { recursive: true });
  const result = await run(process.execPath, [SYNTH_SCRIPT], { ...process.env, ...settings });
  if (interrupted) throw new Stop("deploy: synth interrupted; nothing was run", 130);
  if (result !== 0) {
    const vars = Object.entries(settings).map(([k, v]) => `${k}=${shellQuote(v)}`);
    throw new Stop(
      `deploy: synth failed (${describe(result)}); rerun by hand: ${vars.join(" ")} npm run synth`,
    );
  }
}

function describe(result: number | string): string {
  return typeof result === "number" ? `exit ${result}` : result === "ENOENT" ? "binary not found" : result;
}

function say(line: string): void {
  process.stdout.write(`deploy: ${line}\n`);
}

interface StackResult {
  readonly stack: string;
  /** Its folder, as the user may type it. */
  readonly dir: string;
  readonly outcome: "no changes" | "nothing to destroy" | "planned" | "applied" | "destroyed";
}

async function deployStack(
  stack: ManifestStack,
  context: {
    readonly options: DeployOptions;
    readonly binary: { readonly name: string; readonly path: string };
    readonly env: NodeJS.ProcessEnv;
    readonly answers: Answers;
    /** Stacks of this run whose plan has changes that are not applied (plan only). */
    readonly unapplied: ReadonlySet<string>;
  },
): Promise<StackResult> {
  const { options, binary, env } = context;
  const dir = resolve(options.outdir, stack.workingDirectory);
  const shownDir = displayPath(dir, process.cwd());
  if (!existsSync(join(dir, "cdk.tf.json"))) {
    throw new Stop(
      `deploy: ${stack.name}: ${join(shownDir, "cdk.tf.json")} not found; synthesize again (npm run synth)`,
    );
  }
  const keptLock = options.lockDir ? join(options.lockDir, `${stack.name}${LOCK_FILE}`) : undefined;
  const lockedByFile = keptLock !== undefined && existsSync(keptLock);
  if (keptLock && lockedByFile) copyFileSync(keptLock, join(dir, LOCK_FILE));

  let changes = false;
  let planRerun = "";
  for (const step of stackSteps(options, stack.name, lockedByFile)) {
    const rerun = rerunCommand(binary.name, shownDir, step);
    if (step.name === "plan") planRerun = rerun;
    if (step.name === "apply") {
      if (!changes) break;
      await confirm(stack.name, options, context.answers, rerun);
    }
    say(
      `${stack.name}: ${step.name}${step.name === "plan" && options.action === "destroy" ? " -destroy" : ""}`,
    );
    const result = await run(binary.path, [`-chdir=${dir}`, ...step.args], env);
    if (interrupted)
      throw new Stop(`deploy: ${stack.name}: ${step.name} interrupted; rerun by hand: ${rerun}`, 130);
    if (step.name === "plan" && (result === 0 || result === 2)) {
      changes = result === 2;
      continue;
    }
    if (result !== 0) {
      // A failed apply may have changed some of the state, and a saved plan is stale once the state moved:
      // by hand, plan again and apply that.
      const again = step.name === "apply" ? `${planRerun} && ${rerun}` : rerun;
      throw new Stop(failureLine(stack, step, result, again, context.unapplied));
    }
    if (step.name === "init" && keptLock && existsSync(join(dir, LOCK_FILE))) {
      mkdirSync(options.lockDir as string, { recursive: true });
      copyFileSync(join(dir, LOCK_FILE), keptLock);
    }
    if (step.name === "apply") rmSync(join(dir, planFileName(stack.name)), { force: true });
  }
  const outcomes = {
    plan: ["no changes", "planned"],
    apply: ["no changes", "applied"],
    destroy: ["nothing to destroy", "destroyed"],
  } as const;
  const outcome = outcomes[options.action][changes ? 1 : 0];
  return { stack: stack.name, dir: shownDir, outcome };
}

function failureLine(
  stack: ManifestStack,
  step: Step,
  result: number | string,
  rerun: string,
  unapplied: ReadonlySet<string>,
): string {
  const line = `deploy: ${stack.name}: ${step.name} failed (${describe(result)}); rerun by hand: ${rerun}`;
  const waiting = stack.dependencies.filter((d) => unapplied.has(d));
  if (step.name !== "plan" || waiting.length === 0) return line;
  // A plan reads the outputs of the stacks before it from their state: unapplied changes are not there.
  return `${line} (it reads the outputs of ${waiting.join(", ")}, whose planned changes are not applied yet: apply ${waiting.length > 1 ? "them" : "it"} first)`;
}

async function confirm(
  stack: string,
  options: DeployOptions,
  answers: Answers,
  rerun: string,
): Promise<void> {
  if (options.yes) return;
  const verb = options.action === "destroy" ? "destroy" : "apply";
  const answer = await answers.ask(
    `\nThe plan above is saved. ${verb === "destroy" ? "Destroy what it lists in" : "Apply it to"} ${stack}? Only "yes" goes on: `,
  );
  if (interrupted)
    throw new Stop(`deploy: ${stack}: interrupted before ${verb}; nothing was changed in it`, 130);
  if (answer?.trim() === "yes") return;
  const why =
    answer === undefined
      ? "no answer on standard input (pass --yes to go on without asking)"
      : "not confirmed";
  throw new Stop(`deploy: ${stack}: ${verb} ${why}; nothing was changed in it (its saved plan: ${rerun})`);
}

function summary(action: Action, results: readonly StackResult[], binary: string): void {
  for (const { stack, dir, outcome } of results) {
    if (action === "plan" && outcome === "planned") {
      say(
        `${stack}: planned; apply exactly this plan with ${[binary, `-chdir=${dir}`, "apply", planFileName(stack)].map(shellQuote).join(" ")}`,
      );
    } else {
      say(`${stack}: ${outcome}`);
    }
  }
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let options: DeployOptions;
  try {
    options = parseDeployArgs(argv, process.env);
  } catch (error) {
    if (error instanceof UsageError)
      throw new Stop(`deploy: ${error.message} (npm run deploy -- --help lists the options)`, 2);
    throw error;
  }
  const binary = chooseBinary(process.env);
  const env = terraformEnv(options);
  if (options.synth) await synth(options);
  const stacks = actionOrder(options.action, readManifest(options.outdir), options.stacks);
  say(`${options.action} with ${binary.name} (${binary.path}): ${stacks.map((s) => s.name).join(" → ")}`);
  const answers = new Answers();
  const results: StackResult[] = [];
  const unapplied = new Set<string>();
  try {
    for (const stack of stacks) {
      const result = await deployStack(stack, { options, binary, env, answers, unapplied });
      if (result.outcome === "planned") unapplied.add(stack.name);
      results.push(result);
    }
  } finally {
    answers.close();
  }
  summary(options.action, results, binary.name);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof Stop) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error.exitCode);
    }
    if (error instanceof DeployError) {
      process.stderr.write(`deploy: ${error.message}\n`);
      process.exit(1);
    }
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`deploy: internal error: ${what.split("\n", 1)[0]} (a bug in scripts/deploy.ts)\n`);
    process.exit(2);
  },
);
