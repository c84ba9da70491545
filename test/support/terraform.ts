/** A synthesized stack's copy on which the Terraform tier runs terraform. */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TerraformTier } from "../../scripts/lib/terraform-tools";

export { type TerraformTier, terraformTier } from "../../scripts/lib/terraform-tools";

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
