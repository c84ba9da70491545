/**
 * `npm run deploy` (scripts/deploy.ts): the order of the stacks and the commands, as data; the script
 * itself with a stand-in binary that logs every call (order, saved plans, confirmation, failures); and a
 * real `plan` with terraform against the local provider mirror, as far as this machine allows.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actionOrder,
  chooseBinary,
  DeployError,
  deployOrder,
  type ManifestStack,
  parseDeployArgs,
  readManifest,
  rerunCommand,
  type Step,
  stackSteps,
  UsageError,
} from "../../scripts/lib/deploy-steps";
import { type CliRun, PROJECT_ROOT } from "../support/cli";
import { synthesize } from "../support/synth";
import { describeWithTerraform } from "../support/tier";
import { writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-deploy-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `npm run deploy -- <args>`'s script, with `input` on stdin (closed after it). */
function runDeploy(args: readonly string[], env: NodeJS.ProcessEnv, input = ""): CliRun {
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", "scripts/deploy.ts", ...args], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PIPELINE_CONFIG: "",
      CDKTF_OUTDIR: "",
      TF_PLUGIN_DIR: "",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      // Unset here (CI exports it), so only the script can set it.
      CHECKPOINT_DISABLE: "",
      ...env,
    },
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1) ?? "";
}

const stack = (name: string, dependencies: string[] = []): ManifestStack => ({
  name,
  dependencies,
  workingDirectory: `stacks/${name}`,
});

describe("deploy: order and commands", () => {
  const names = (stacks: readonly ManifestStack[]) => stacks.map((s) => s.name);

  it("orders the stacks by the manifest's dependencies, whatever order it lists them in", () => {
    const manifest = [
      stack("demo-connectors", ["demo-platform", "demo-database"]),
      stack("demo-database", ["demo-platform"]),
      stack("demo-platform"),
    ];
    expect(names(actionOrder("plan", manifest))).toEqual([
      "demo-platform",
      "demo-database",
      "demo-connectors",
    ]);
    expect(names(actionOrder("apply", manifest))).toEqual([
      "demo-platform",
      "demo-database",
      "demo-connectors",
    ]);
    expect(names(actionOrder("destroy", manifest))).toEqual([
      "demo-connectors",
      "demo-database",
      "demo-platform",
    ]);
  });

  it("follows the dependencies over the stacks' names", () => {
    // Reversed on purpose: only the manifest can put a "-connectors" stack first.
    const manifest = [
      stack("x-platform", ["x-database"]),
      stack("x-database", ["x-connectors"]),
      stack("x-connectors"),
    ];
    expect(names(deployOrder(manifest))).toEqual(["x-connectors", "x-database", "x-platform"]);
  });

  it("puts stacks the manifest leaves unordered in layer order (the connectors stack without its zips)", () => {
    const manifest = [
      stack("demo-connectors"),
      stack("demo-database", ["demo-platform"]),
      stack("demo-platform"),
    ];
    expect(names(actionOrder("apply", manifest))).toEqual([
      "demo-platform",
      "demo-database",
      "demo-connectors",
    ]);
    expect(names(actionOrder("destroy", manifest))).toEqual([
      "demo-connectors",
      "demo-database",
      "demo-platform",
    ]);
  });

  it("keeps only the named stacks, still in dependency order", () => {
    const manifest = [
      stack("demo-connectors", ["demo-platform", "demo-database"]),
      stack("demo-database", ["demo-platform"]),
      stack("demo-platform"),
    ];
    expect(names(actionOrder("apply", manifest, ["demo-connectors", "demo-platform"]))).toEqual([
      "demo-platform",
      "demo-connectors",
    ]);
    expect(names(actionOrder("destroy", manifest, ["demo-platform", "demo-connectors"]))).toEqual([
      "demo-connectors",
      "demo-platform",
    ]);
  });

  it("fails on an unknown stack, a dependency the manifest lacks, or a cycle", () => {
    const manifest = [stack("demo-database", ["demo-platform"]), stack("demo-platform")];
    expect(() => deployOrder(manifest, ["prod-platform"])).toThrow(
      new DeployError("unknown stack prod-platform: the synthesized stacks are demo-database, demo-platform"),
    );
    expect(() => deployOrder([stack("demo-database", ["demo-platform"])])).toThrow(
      new DeployError("demo-database depends on demo-platform, which the manifest does not hold"),
    );
    expect(() =>
      deployOrder([stack("a-platform", ["a-database"]), stack("a-database", ["a-platform"])]),
    ).toThrow(new DeployError("the stacks a-platform, a-database depend on each other in a cycle"));
  });

  it("reads the order from a synthesized manifest", () => {
    const demo = synthesize();
    try {
      // Without the zips the connectors stack reads nothing from the others; the database reads the platform.
      const manifest = readManifest(demo.outdir);
      expect(manifest.find((s) => s.name === "demo-database")?.dependencies).toEqual(["demo-platform"]);
      expect(names(actionOrder("destroy", manifest))).toEqual([
        "demo-connectors",
        "demo-database",
        "demo-platform",
      ]);
    } finally {
      demo.cleanup();
    }
    expect(() => readManifest(join(root, "nowhere"))).toThrow(
      new DeployError(
        `${join(root, "nowhere", "manifest.json")} not found: synthesize first (npm run synth), or drop --no-synth`,
      ),
    );
  });

  it("saves each plan with -out and applies that plan file, and nothing else", () => {
    const options = { action: "apply", lockPlatforms: [] } as const;
    expect(stackSteps(options, "demo-platform")).toEqual([
      { name: "init", args: ["init", "-input=false"] },
      { name: "plan", args: ["plan", "-input=false", "-out=demo-platform.tfplan", "-detailed-exitcode"] },
      { name: "apply", args: ["apply", "-input=false", "demo-platform.tfplan"] },
    ]);
    expect(stackSteps({ ...options, action: "destroy" }, "demo-platform").map((s) => s.args)).toEqual([
      ["init", "-input=false"],
      ["plan", "-input=false", "-destroy", "-out=demo-platform.tfplan", "-detailed-exitcode"],
      ["apply", "-input=false", "demo-platform.tfplan"],
    ]);
    expect(stackSteps({ ...options, action: "plan" }, "demo-platform").map((s) => s.name)).toEqual([
      "init",
      "plan",
    ]);
  });

  it("installs from a local mirror, and locks from it when a lock file is wanted", () => {
    const mirror = { action: "plan", pluginDir: "/opt/mirror", lockPlatforms: [] } as const;
    expect(stackSteps(mirror, "s")[0]).toEqual({
      name: "init",
      args: ["init", "-input=false", "-plugin-dir=/opt/mirror"],
    });
    const locking = { ...mirror, lockPlatforms: ["linux_amd64", "darwin_arm64"] };
    expect(stackSteps(locking, "s").slice(0, 2)).toEqual([
      {
        name: "providers lock",
        args: [
          "providers",
          "lock",
          "-fs-mirror=/opt/mirror",
          "-platform=linux_amd64",
          "-platform=darwin_arm64",
        ],
      },
      { name: "init", args: ["init", "-input=false", "-plugin-dir=/opt/mirror"] },
    ]);
    // A kept lock file is enforced, unless this run rewrites it.
    expect(stackSteps(mirror, "s", true)[0]?.args).toEqual([
      "init",
      "-input=false",
      "-plugin-dir=/opt/mirror",
      "-lockfile=readonly",
    ]);
    expect(stackSteps(locking, "s", true)[1]?.args).not.toContain("-lockfile=readonly");
    expect(stackSteps({ action: "plan", lockPlatforms: ["linux_amd64"] }, "s")[0]?.args).toEqual([
      "providers",
      "lock",
      "-platform=linux_amd64",
    ]);
  });

  it("gives the command to rerun by hand, quoted for the shell and without -detailed-exitcode", () => {
    const [, plan] = stackSteps({ action: "plan", lockPlatforms: [] }, "demo-platform");
    expect(rerunCommand("tofu", "my out/stacks/demo-platform", plan as Step)).toBe(
      "tofu '-chdir=my out/stacks/demo-platform' plan -input=false -out=demo-platform.tfplan",
    );
  });

  it("parses its options, with the environment's defaults", () => {
    expect(parseDeployArgs(["plan"], { TF_PLUGIN_DIR: "/opt/mirror", CDKTF_OUTDIR: "out" })).toEqual({
      action: "plan",
      stacks: [],
      envConfig: undefined,
      outdir: "out",
      synth: true,
      pluginDir: "/opt/mirror",
      lockPlatforms: [],
      lockDir: undefined,
      yes: false,
    });
    expect(
      parseDeployArgs(
        [
          "destroy",
          "demo-connectors",
          "--env-config",
          "config/x.yaml",
          "--outdir",
          "o",
          "--yes",
          "--plugin-dir",
          "m",
        ],
        {},
      ),
    ).toMatchObject({
      action: "destroy",
      stacks: ["demo-connectors"],
      envConfig: "config/x.yaml",
      outdir: "o",
      yes: true,
      pluginDir: "m",
    });
    expect(parseDeployArgs(["plan"], {}).outdir).toBe("cdktf.out");
  });

  it("refuses a missing or unknown action, an unknown option, and --env-config with --no-synth", () => {
    expect(() => parseDeployArgs([], {})).toThrow(
      new UsageError("no action: expected plan, apply or destroy"),
    );
    expect(() => parseDeployArgs(["deploy"], {})).toThrow(
      new UsageError('unknown action "deploy": expected plan, apply or destroy'),
    );
    expect(() => parseDeployArgs(["plan", "--auto-approve"], {})).toThrow(UsageError);
    expect(() => parseDeployArgs(["plan", "--no-synth", "--env-config", "x.yaml"], {})).toThrow(
      new UsageError("--env-config has no effect with --no-synth: the stacks are already synthesized"),
    );
    expect(() => parseDeployArgs(["plan", "--lock-platform", "linux"], {})).toThrow(
      new UsageError("--lock-platform linux: expected <os>_<arch>, e.g. linux_amd64 or darwin_arm64"),
    );
  });

  it("runs TERRAFORM_BINARY_NAME, else tofu when on PATH, else terraform", () => {
    const bin = (dir: string, ...names: string[]) => {
      mkdirSync(dir, { recursive: true });
      for (const name of names) {
        writeFileSync(join(dir, name), "#!/bin/sh\n");
        chmodSync(join(dir, name), 0o755);
      }
      return dir;
    };
    const both = bin(join(root, "bin-both"), "tofu", "terraform");
    const onlyTerraform = bin(join(root, "bin-terraform"), "terraform");
    expect(chooseBinary({ PATH: both })).toEqual({ name: "tofu", path: join(both, "tofu") });
    expect(chooseBinary({ PATH: onlyTerraform })).toEqual({
      name: "terraform",
      path: join(onlyTerraform, "terraform"),
    });
    expect(chooseBinary({ PATH: both, TERRAFORM_BINARY_NAME: "terraform" })).toEqual({
      name: "terraform",
      path: join(both, "terraform"),
    });
    expect(() => chooseBinary({ PATH: join(root, "empty") })).toThrow(
      new DeployError(
        "neither tofu nor terraform on PATH: install OpenTofu or Terraform >= 1.11, or set TERRAFORM_BINARY_NAME",
      ),
    );
    expect(() => chooseBinary({ PATH: onlyTerraform, TERRAFORM_BINARY_NAME: "tofu" })).toThrow(
      new DeployError(
        "TERRAFORM_BINARY_NAME=tofu: not found on PATH; set it to tofu, terraform or a path to either",
      ),
    );
  });

  it("is what npm run deploy runs", () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.deploy).toBe("tsx scripts/deploy.ts");
    // The script runs npm run synth's command itself: they must stay the same.
    expect(pkg.scripts.synth).toBe("node scripts/synth.cjs");
  });
});

/**
 * A stand-in for tofu/terraform: logs each call (stack, CHECKPOINT_DISABLE, arguments), writes each plan
 * file with a token of its own, and "applies" by logging the token of the plan file it is given.
 * FAKE_TF_FAIL=<stack>:<command> fails that call; FAKE_TF_PLAN_EXIT sets plan's exit (2: changes).
 */
const FAKE_TERRAFORM = `#!/bin/sh
dir=.
case "$1" in -chdir=*) dir="\${1#-chdir=}"; shift ;; esac
stack=$(basename "$dir")
cmd="$1"
printf '%s\\t%s\\t%s\\n' "$stack" "\${CHECKPOINT_DISABLE:-unset}" "$*" >> "$FAKE_TF_LOG"
if [ "$FAKE_TF_FAIL" = "$stack:$cmd" ]; then echo "fake $cmd failure" >&2; exit 1; fi
case "$cmd" in
  plan)
    for arg in "$@"; do case "$arg" in -out=*) out="\${arg#-out=}" ;; esac; done
    echo "token-$stack-$$" > "$dir/$out"
    printf '%s\\t-\\twrote token-%s-%s\\n' "$stack" "$stack" "$$" >> "$FAKE_TF_LOG"
    exit "\${FAKE_TF_PLAN_EXIT:-2}" ;;
  apply)
    for arg in "$@"; do last="$arg"; done
    printf '%s\\t-\\tapplied %s\\n' "$stack" "$(cat "$dir/$last")" >> "$FAKE_TF_LOG" ;;
esac
exit 0
`;

describe("deploy: the script, with a stand-in binary", () => {
  const fake = join(root, "fake-terraform");
  const outdir = join(root, "fake", "cdktf.out");
  let logCount = 0;
  let synthRun: CliRun;
  let synthLog: string;

  /** A fresh log for one run, and the env that points the script at the stand-in. */
  function fakeEnv(extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; log: string } {
    const log = join(root, `fake-${++logCount}.log`);
    writeFileSync(log, "");
    return { log, env: { TERRAFORM_BINARY_NAME: fake, FAKE_TF_LOG: log, ...extra } };
  }
  function calls(log: string): string[] {
    return readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const [stackName, , args] = line.split("\t");
        return `${stackName} ${args}`;
      });
  }
  const commands = (log: string) => calls(log).filter((c) => !/ (wrote|applied) /.test(c));

  beforeAll(() => {
    writeFileSync(fake, FAKE_TERRAFORM);
    chmodSync(fake, 0o755);
    const connectors = writeConnectorsDir(join(root, "connectors")).dir;
    const { env, log } = fakeEnv({ CDC_CONNECTORS_DIR: connectors });
    synthLog = log;
    synthRun = runDeploy(["plan", "--env-config", "config/demo.yaml", "--outdir", outdir], env);
  });

  it("synthesizes, then inits and plans every stack in the manifest's order, each plan saved", () => {
    // stderr holds synth's own warnings (the demo's documentation address…), and nothing of deploy's.
    expect(synthRun.stderr).not.toMatch(/^deploy:/m);
    expect(synthRun.code).toBe(0);
    expect(synthRun.stdout).toMatch(/^deploy: synth of config\/demo\.yaml into /m);
    // With the zips, the connectors stack depends on both others (read from the manifest, not assumed).
    const connectors = readManifest(outdir).find((s) => s.name === "demo-connectors");
    expect([...(connectors?.dependencies ?? [])].sort()).toEqual(["demo-database", "demo-platform"]);
    expect(commands(synthLog)).toEqual([
      "demo-platform init -input=false",
      "demo-platform plan -input=false -out=demo-platform.tfplan -detailed-exitcode",
      "demo-database init -input=false",
      "demo-database plan -input=false -out=demo-database.tfplan -detailed-exitcode",
      "demo-connectors init -input=false",
      "demo-connectors plan -input=false -out=demo-connectors.tfplan -detailed-exitcode",
    ]);
    for (const name of ["demo-platform", "demo-database", "demo-connectors"]) {
      expect(existsSync(join(outdir, "stacks", name, `${name}.tfplan`)), name).toBe(true);
      expect(synthRun.stdout).toContain(
        `deploy: ${name}: planned; apply exactly this plan with ${fake} -chdir=`,
      );
    }
    // No checkpoint call from any of them.
    const checkpoint = readFileSync(synthLog, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !/\t-\t/.test(l))
      .map((l) => l.split("\t")[1]);
    expect(new Set(checkpoint)).toEqual(new Set(["1"]));
  });

  it("applies stack after stack, each time exactly the plan it just saved", () => {
    const { env, log } = fakeEnv();
    const run = runDeploy(["apply", "--no-synth", "--outdir", outdir, "--yes"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(calls(log).map((c) => c.replace(/-\d+$/, "-<pid>"))).toEqual([
      "demo-platform init -input=false",
      "demo-platform plan -input=false -out=demo-platform.tfplan -detailed-exitcode",
      "demo-platform wrote token-demo-platform-<pid>",
      "demo-platform apply -input=false demo-platform.tfplan",
      "demo-platform applied token-demo-platform-<pid>",
      "demo-database init -input=false",
      "demo-database plan -input=false -out=demo-database.tfplan -detailed-exitcode",
      "demo-database wrote token-demo-database-<pid>",
      "demo-database apply -input=false demo-database.tfplan",
      "demo-database applied token-demo-database-<pid>",
      "demo-connectors init -input=false",
      "demo-connectors plan -input=false -out=demo-connectors.tfplan -detailed-exitcode",
      "demo-connectors wrote token-demo-connectors-<pid>",
      "demo-connectors apply -input=false demo-connectors.tfplan",
      "demo-connectors applied token-demo-connectors-<pid>",
    ]);
    // The very token each plan wrote is the one applied.
    const tokens = calls(log)
      .filter((c) => / (wrote|applied) /.test(c))
      .map((c) => c.split(" ").at(-1));
    expect(tokens).toEqual([tokens[0], tokens[0], tokens[2], tokens[2], tokens[4], tokens[4]]);
    expect(run.stdout).toContain("deploy: demo-connectors: applied\n");
  });

  it("asks before applying, and applies nothing without a yes", () => {
    const { env, log } = fakeEnv();
    const run = runDeploy(["apply", "--no-synth", "--outdir", outdir], env, "no\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Apply it to demo-platform? Only "yes" goes on: ');
    expect(lastLine(run.stderr)).toBe(
      `deploy: demo-platform: apply not confirmed; nothing was changed in it (its saved plan: ${fake} -chdir=${join(outdir, "stacks", "demo-platform")} apply -input=false demo-platform.tfplan)`,
    );
    expect(commands(log)).toEqual([
      "demo-platform init -input=false",
      "demo-platform plan -input=false -out=demo-platform.tfplan -detailed-exitcode",
    ]);
  });

  it("refuses to go on when no answer can come (stdin closed) and --yes is not given", () => {
    const { env, log } = fakeEnv();
    const run = runDeploy(["destroy", "--no-synth", "--outdir", outdir], env, "");
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(
      /^deploy: demo-connectors: destroy no answer on standard input \(pass --yes to go on without asking\); nothing was changed in it/,
    );
    expect(commands(log).some((c) => c.includes(" apply "))).toBe(false);
  });

  it("destroys in the reverse order, each stack after its destroy plan and a yes", () => {
    const { env, log } = fakeEnv();
    const run = runDeploy(["destroy", "--no-synth", "--outdir", outdir], env, "yes\nyes\nyes\n");
    expect(run.code).toBe(0);
    expect(commands(log)).toEqual([
      "demo-connectors init -input=false",
      "demo-connectors plan -input=false -destroy -out=demo-connectors.tfplan -detailed-exitcode",
      "demo-connectors apply -input=false demo-connectors.tfplan",
      "demo-database init -input=false",
      "demo-database plan -input=false -destroy -out=demo-database.tfplan -detailed-exitcode",
      "demo-database apply -input=false demo-database.tfplan",
      "demo-platform init -input=false",
      "demo-platform plan -input=false -destroy -out=demo-platform.tfplan -detailed-exitcode",
      "demo-platform apply -input=false demo-platform.tfplan",
    ]);
    expect(run.stderr.match(/Destroy what it lists in demo-[a-z]+\?/g)).toEqual([
      "Destroy what it lists in demo-connectors?",
      "Destroy what it lists in demo-database?",
      "Destroy what it lists in demo-platform?",
    ]);
  });

  it("applies nothing, and asks nothing, where the plan has no changes", () => {
    const { env, log } = fakeEnv({ FAKE_TF_PLAN_EXIT: "0" });
    const run = runDeploy(["destroy", "demo-platform", "--no-synth", "--outdir", outdir], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(commands(log)).toEqual([
      "demo-platform init -input=false",
      "demo-platform plan -input=false -destroy -out=demo-platform.tfplan -detailed-exitcode",
    ]);
    expect(run.stdout).toContain("deploy: demo-platform: nothing to destroy\n");
  });

  it("names the stack, the step and the command to rerun when a step fails, and runs no further", () => {
    const { env, log } = fakeEnv({ FAKE_TF_FAIL: "demo-database:init" });
    const run = runDeploy(["apply", "--no-synth", "--outdir", outdir, "--yes"], env);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `deploy: demo-database: init failed (exit 1); rerun by hand: ${fake} -chdir=${join(outdir, "stacks", "demo-database")} init -input=false`,
    );
    expect(commands(log).at(-1)).toBe("demo-database init -input=false");
    expect(commands(log).some((c) => c.startsWith("demo-connectors"))).toBe(false);
  });

  it("gives plan and apply to rerun when an apply fails, as its saved plan is then stale", () => {
    const { env, log } = fakeEnv({ FAKE_TF_FAIL: "demo-platform:apply" });
    const run = runDeploy(["apply", "--no-synth", "--outdir", outdir, "--yes"], env);
    expect(run.code).toBe(1);
    const dir = join(outdir, "stacks", "demo-platform");
    expect(lastLine(run.stderr)).toBe(
      `deploy: demo-platform: apply failed (exit 1); rerun by hand: ${fake} -chdir=${dir} plan -input=false -out=demo-platform.tfplan && ${fake} -chdir=${dir} apply -input=false demo-platform.tfplan`,
    );
    expect(commands(log).some((c) => c.startsWith("demo-database"))).toBe(false);
  });

  it("says when a plan fails on a stack whose inputs are only planned, not applied", () => {
    const { env } = fakeEnv({ FAKE_TF_FAIL: "demo-database:plan" });
    const run = runDeploy(["plan", "--no-synth", "--outdir", outdir], env);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `deploy: demo-database: plan failed (exit 1); rerun by hand: ${fake} -chdir=${join(outdir, "stacks", "demo-database")} plan -input=false -out=demo-database.tfplan (it reads the outputs of demo-platform, whose planned changes are not applied yet: apply it first)`,
    );
  });

  it("fails in one line when synth fails, and runs nothing", () => {
    const { env, log } = fakeEnv();
    const failing = join(root, "failing", "cdktf.out");
    const run = runDeploy(
      ["plan", "--env-config", "test/fixtures/invalid/broker-count.yaml", "--outdir", failing],
      env,
    );
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `deploy: synth failed (exit 1); rerun by hand: CDKTF_OUTDIR=${failing} PIPELINE_CONFIG=test/fixtures/invalid/broker-count.yaml npm run synth`,
    );
    expect(commands(log)).toEqual([]);
  });

  it("fails in one line on an unknown stack, a missing binary or a usage mistake", () => {
    const { env } = fakeEnv();
    const unknown = runDeploy(["plan", "prod-platform", "--no-synth", "--outdir", outdir], env);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      "deploy: unknown stack prod-platform: the synthesized stacks are demo-connectors, demo-database, demo-platform\n",
    ]);
    const missing = runDeploy(["plan", "--no-synth", "--outdir", outdir], {
      TERRAFORM_BINARY_NAME: join(root, "no-such-tofu"),
    });
    expect([missing.code, missing.stderr]).toEqual([
      1,
      `deploy: TERRAFORM_BINARY_NAME=${join(root, "no-such-tofu")}: not found; set it to tofu, terraform or a path to either\n`,
    ]);
    const usage = runDeploy(["deploy"], env);
    expect([usage.code, usage.stderr]).toEqual([
      2,
      'deploy: unknown action "deploy": expected plan, apply or destroy (npm run deploy -- --help lists the options)\n',
    ]);
  });
});

describeWithTerraform("terraform: npm run deploy plan, against the local provider mirror", (tier) => {
  /**
   * The demo synthesized into a temp folder, with the platform stack rewired for an offline plan in that
   * copy only (as test/support/terraform.ts does): a temp local backend and fake credentials with every
   * AWS check skipped. The script is pointed at it with --outdir and --no-synth; the mirror comes through
   * a CLI config (TF_CLI_CONFIG_FILE) holding a filesystem_mirror, or through --plugin-dir.
   */
  const demo = synthesize();
  const platformDir = join(demo.outdir, "stacks", "demo-platform");
  const cliConfig = join(root, "mirror.tfrc");
  const emptyCliConfig = join(root, "empty.tfrc");
  const env: NodeJS.ProcessEnv = {
    TERRAFORM_BINARY_NAME: tier.terraform,
    TF_CLI_CONFIG_FILE: cliConfig,
    // No real credentials may ever reach a test's terraform.
    AWS_PROFILE: "",
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_SESSION_TOKEN: "",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };

  beforeAll(() => {
    writeFileSync(
      join(platformDir, "zz_offline_override.tf.json"),
      JSON.stringify({
        terraform: { backend: { local: { path: join(demo.outdir, "offline-platform.tfstate") } } },
        provider: {
          aws: [
            {
              region: "us-east-1",
              access_key: "offline-test-fake-key",
              secret_key: "offline-test-fake-secret",
              skip_credentials_validation: true,
              skip_requesting_account_id: true,
              skip_metadata_api_check: true,
              skip_region_validation: true,
            },
          ],
        },
      }),
    );
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(tier.mirror)}\n  }\n}\n`,
    );
    writeFileSync(emptyCliConfig, "");
  });
  afterAll(() => demo.cleanup());

  it("plans the platform stack and saves the plan; stops at the database stack, whose postgresql provider is not here", () => {
    // The database stack needs cyrilgdn/postgresql, of which this machine has no binary: its init must
    // fail, so this test ends there, after the platform, and checks that the failure is reported as such.
    const run = runDeploy(["plan", "--no-synth", "--outdir", demo.outdir], env);
    expect(run.code).toBe(1);
    const steps = run.stdout.split("\n").filter((l) => l.startsWith("deploy: "));
    expect(steps).toEqual([
      `deploy: plan with ${tier.terraform} (${tier.terraform}): demo-platform → demo-database → demo-connectors`,
      "deploy: demo-platform: init",
      "deploy: demo-platform: plan",
      "deploy: demo-database: init",
    ]);
    expect(run.stderr).toContain("cyrilgdn/postgresql");
    expect(lastLine(run.stderr)).toBe(
      `deploy: demo-database: init failed (exit 1); rerun by hand: ${tier.terraform} -chdir=${join(demo.outdir, "stacks", "demo-database")} init -input=false`,
    );
    const plan = JSON.parse(
      execFileSync(tier.terraform, [`-chdir=${platformDir}`, "show", "-json", "demo-platform.tfplan"], {
        env: { ...process.env, ...env, CHECKPOINT_DISABLE: "1" },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      }),
    );
    const created = plan.resource_changes
      .filter((c: any) => c.change.actions.join() === "create")
      .map((c: any) => c.type);
    expect(created).toContain("aws_db_instance");
    expect(created).toContain("aws_msk_cluster");
    expect(existsSync(join(demo.outdir, "stacks", "demo-connectors", ".terraform"))).toBe(false);
  });

  it("locks providers from the mirror with --plugin-dir, keeps the lock file, and then holds init to it", () => {
    const locks = join(root, "locks");
    const platform = process.arch === "arm64" ? "linux_arm64" : "linux_amd64";
    const mirrorEnv = { ...env, TF_CLI_CONFIG_FILE: emptyCliConfig };
    const args = [
      "plan",
      "demo-platform",
      "--no-synth",
      "--outdir",
      demo.outdir,
      "--plugin-dir",
      tier.mirror,
    ];
    const locked = runDeploy([...args, "--lock-platform", platform, "--lock-dir", locks], mirrorEnv);
    expect(locked.stderr).toBe("");
    expect(locked.code).toBe(0);
    const lockFile = join(locks, "demo-platform.terraform.lock.hcl");
    const lock = readFileSync(lockFile, "utf8");
    expect(lock).toContain('provider "registry.terraform.io/hashicorp/aws"');
    expect(lock).toMatch(/version\s+= "5\.100\.0"/);
    expect(lock).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
    expect(locked.stdout.split("\n").filter((l) => l.startsWith("deploy: demo-platform"))).toEqual([
      "deploy: demo-platform: providers lock",
      "deploy: demo-platform: init",
      "deploy: demo-platform: plan",
      `deploy: demo-platform: planned; apply exactly this plan with ${tier.terraform} -chdir=${platformDir} apply demo-platform.tfplan`,
    ]);

    // A kept lock file that the mirror's package does not match: init refuses.
    writeFileSync(lockFile, lock.replace(/"h1:[^"]+"/, '"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'));
    const tampered = runDeploy([...args, "--lock-dir", locks], mirrorEnv);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("5.100.0 doesn't match any of the");
    expect(tampered.stderr).toContain("checksums previously recorded in the dependency lock file");
    expect(lastLine(tampered.stderr)).toBe(
      `deploy: demo-platform: init failed (exit 1); rerun by hand: ${tier.terraform} -chdir=${platformDir} init -input=false -plugin-dir=${tier.mirror} -lockfile=readonly`,
    );
  });
});
