/**
 * The Terraform tier's environment: a terraform binary and a local provider mirror, both discovered
 * at run time (TERRAFORM_BIN / TF_PLUGIN_DIR, else PATH and a bounded search), never written in the repo.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const AWS_PROVIDER = join("registry.terraform.io", "hashicorp", "aws");

function isMirror(dir: string): boolean {
  return existsSync(join(dir, AWS_PROVIDER));
}

/** TF_PLUGIN_DIR, else the first folder (up to three levels below /) holding hashicorp/aws. */
export function findPluginMirror(): string | undefined {
  const fromEnv = process.env.TF_PLUGIN_DIR;
  if (fromEnv) return isMirror(fromEnv) ? fromEnv : undefined;
  const skip = new Set(["/proc", "/sys", "/dev", "/run", "/tmp", "/var/lib", "/work"]);
  let level = ["/"];
  for (let depth = 0; depth < 3; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const entry of entries) {
        const path = join(dir, entry);
        if (skip.has(path) || entry === "node_modules" || entry.startsWith(".")) continue;
        try {
          if (!statSync(path).isDirectory()) continue;
        } catch {
          continue;
        }
        if (isMirror(path)) return path;
        next.push(path);
      }
    }
    level = next;
  }
  return undefined;
}

export function findTerraform(): string | undefined {
  const candidates = process.env.TERRAFORM_BIN
    ? [process.env.TERRAFORM_BIN]
    : (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "terraform"));
  return candidates.find((c) => existsSync(c));
}

export interface TerraformTier {
  readonly terraform: string;
  readonly mirror: string;
}

/** The tier's tools, or the reason it cannot run (printed loudly by the tests that skip). */
export function terraformTier(): TerraformTier | { readonly skipReason: string } {
  const terraform = findTerraform();
  if (!terraform) return { skipReason: "no terraform binary (set TERRAFORM_BIN or put terraform on PATH)" };
  const mirror = findPluginMirror();
  if (!mirror) return { skipReason: `no provider mirror holding ${AWS_PROVIDER} (set TF_PLUGIN_DIR)` };
  return { terraform, mirror };
}

export interface TerraformRun {
  readonly code: number;
  readonly output: string;
}

/** A working copy of a synthesized stack in its own temp folder, with terraform commands on it. */
export class StackWorkdir {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly tier: TerraformTier,
    stackDir: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "cdc-lake-tf-"));
    cpSync(stackDir, this.dir, { recursive: true });
    const cliConfig = join(this.dir, ".terraformrc");
    // An empty CLI config: no credentials helpers, no network mirrors of the user's machine.
    writeFileSync(cliConfig, "");
    this.env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      // No real credentials may ever reach a test's terraform.
      AWS_PROFILE: "",
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    };
  }

  run(...args: string[]): TerraformRun {
    const result = spawnSync(this.tier.terraform, [...args, "-no-color"], {
      cwd: this.dir,
      env: this.env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  }

  /** Like run, but throws with terraform's output when it fails. */
  ok(...args: string[]): string {
    const result = this.run(...args);
    if (result.code !== 0) throw new Error(`terraform ${args.join(" ")} failed:\n${result.output}`);
    return result.output;
  }

  /** init without the configured backend, against the local mirror only. */
  initWithoutBackend(): void {
    this.ok("init", "-backend=false", `-plugin-dir=${this.tier.mirror}`, "-input=false");
  }

  /**
   * Rewires the copy for an offline plan: a temp local backend and fake credentials with every check
   * that would call AWS skipped, in an override file that exists only in this temp copy.
   */
  prepareOfflinePlan(region: string): void {
    writeFileSync(
      join(this.dir, "zz_offline_override.tf.json"),
      JSON.stringify({
        terraform: { backend: { local: { path: join(this.dir, "offline.tfstate") } } },
        provider: {
          aws: [
            {
              region,
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
    this.ok("init", `-plugin-dir=${this.tier.mirror}`, "-input=false");
  }

  /** `terraform plan -refresh=false`, returned as `terraform show -json` of the saved plan. */
  offlinePlanJson(): Record<string, any> {
    this.ok("plan", "-refresh=false", "-input=false", "-out=offline.plan");
    const json = execFileSync(this.tier.terraform, ["show", "-json", "offline.plan"], {
      cwd: this.dir,
      env: this.env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(json);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
