/** A synthesized stack's copy on which the Terraform tier runs terraform. */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TerraformTier } from "../../scripts/lib/terraform-tools";

export { type TerraformTier, terraformTier } from "../../scripts/lib/terraform-tools";

export interface TerraformRun {
  readonly code: number;
  readonly output: string;
}

export interface StackWorkdirOptions {
  /**
   * Where the copy goes below its temp folder, e.g. `cdktf.out/stacks/demo-connectors`: a stack's paths
   * relative to its folder (`../../../connectors/<zip>`) then resolve inside that temp folder, as they
   * do in the project ({@link StackWorkdir.root} is the project's stand-in).
   * @default - the temp folder itself
   */
  readonly pathInProject?: string;
}

/** A working copy of a synthesized stack in its own temp folder, with terraform commands on it. */
export class StackWorkdir {
  readonly dir: string;
  /** The temp folder: `dir`, or the stand-in project root `dir` is below (`pathInProject`). */
  readonly root: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly tier: TerraformTier,
    stackDir: string,
    options: StackWorkdirOptions = {},
  ) {
    this.root = mkdtempSync(join(tmpdir(), "cdc-lake-tf-"));
    this.dir = options.pathInProject ? join(this.root, options.pathInProject) : this.root;
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

  /**
   * Makes the copy's `terraform_remote_state` reads work offline: writes a local state file holding
   * `outputs` for each remote state named (e.g. `cross-stack-reference-input-demo-platform`) and points
   * that read at it, in an override file that exists only in this temp copy. Every remote state the
   * stack reads must be given. Sensitive, as cdktf's cross-stack outputs are.
   */
  fakeRemoteStates(outputs: Record<string, Record<string, unknown>>): void {
    const json = JSON.parse(readFileSync(join(this.dir, "cdk.tf.json"), "utf8"));
    const reads = Object.keys(json.data?.terraform_remote_state ?? {});
    const missing = reads.filter((name) => !(name in outputs));
    if (missing.length > 0) throw new Error(`fakeRemoteStates: no outputs given for ${missing.join(", ")}`);
    const overrides: Record<string, { config: { path: string } }> = {};
    for (const name of reads) {
      const path = join(this.dir, `fake-${name}.tfstate`);
      const values = outputs[name] as Record<string, unknown>;
      writeFileSync(
        path,
        JSON.stringify({
          version: 4,
          terraform_version: "1.11.0",
          serial: 1,
          lineage: `fake-${name}`,
          outputs: Object.fromEntries(
            Object.entries(values).map(([key, value]) => [
              key,
              { value, type: ctyType(value), sensitive: true },
            ]),
          ),
          resources: [],
          check_results: null,
        }),
      );
      overrides[name] = { config: { path } };
    }
    writeFileSync(
      join(this.dir, "zz_remote_state_override.tf.json"),
      JSON.stringify({ data: { terraform_remote_state: overrides } }),
    );
  }

  /** The outputs the copy reads from `remoteState` (`data.terraform_remote_state.<name>.outputs.<output>`). */
  remoteOutputsRead(remoteState: string): string[] {
    const text = readFileSync(join(this.dir, "cdk.tf.json"), "utf8");
    const pattern = new RegExp(`data\\.terraform_remote_state\\.${remoteState}\\.outputs\\.([\\w-]+)`, "g");
    return [...new Set([...text.matchAll(pattern)].map((m) => m[1] as string))].sort();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The type of a JSON value as Terraform's state file writes it (cty's JSON type notation). */
function ctyType(value: unknown): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(ctyType)];
  if (value && typeof value === "object") {
    return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyType(v)]))];
  }
  throw new Error(`ctyType: no Terraform type for ${JSON.stringify(value)}`);
}

/**
 * The database stack also needs cyrilgdn/postgresql, which this machine has no binary of. What can be
 * validated is everything else: the ephemeral resources, write-only arguments, the psql provisioner and
 * the cross-stack state read. This strips the postgresql provider's parts (and references to them) and
 * validates the rest; the PostgreSQL side is proved on a real server (test/database).
 */
export function withoutPostgresqlProvider(stack: Record<string, any>): {
  json: Record<string, any>;
  removed: string[];
} {
  const json = structuredClone(stack);
  const removed: string[] = [];
  delete json.provider.postgresql;
  delete json.terraform.required_providers.postgresql;
  for (const type of Object.keys(json.resource)) {
    if (type.startsWith("postgresql_")) {
      removed.push(...Object.keys(json.resource[type]).map((name) => `${type}.${name}`));
      delete json.resource[type];
    }
  }
  for (const resource of Object.values<Record<string, any>>(json.resource.terraform_data ?? {})) {
    if (resource.depends_on)
      resource.depends_on = resource.depends_on.filter((d: string) => !d.startsWith("postgresql_"));
    for (const [key, value] of Object.entries(resource.input ?? {})) {
      if (JSON.stringify(value).includes("postgresql_")) resource.input[key] = `removed: ${key}`;
    }
  }
  return { json, removed: removed.sort() };
}
