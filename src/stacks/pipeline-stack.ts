// biome-ignore lint/style/noRestrictedImports: written only during app.synth(), into cdktf's own output folder, as cdktf's TerraformAsset does: the raw resources beside cdk.tf.json
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
import type { Construct } from "constructs";
import type { StateConfig } from "../config/pipeline-config";
import { RawResource } from "../constructs/terraform/raw-resource";

/** cdktf runs Terraform in `<outdir>/stacks/<stack>`: three levels below the project root. */
const PROJECT_ROOT_FROM_STACK_DIR = "../../..";

/**
 * Ephemeral resources and write-only arguments keep every password out of plans and state; they need
 * Terraform ≥ 1.11 or OpenTofu ≥ 1.11, and an older binary would fail with unclear errors.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

/** What every stack of the pipeline needs: where it runs, where its state lives, how it is tagged. */
export interface PipelineStackProps {
  readonly region: string;
  readonly state: StateConfig;
  /** Tags on every AWS resource, through the provider's default_tags. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A stack of the pipeline: Terraform ≥ 1.11, its own state (one per stack, so cross-stack references
 * become `terraform_remote_state` reads of the same location, with either backend), and the AWS
 * provider with the pipeline's default tags.
 */
/** Where a stack's RawResources are written, beside cdk.tf.json: Terraform reads both as one module. */
export const RAW_RESOURCES_FILE = "raw-resources.tf.json";

export abstract class PipelineStack extends TerraformStack {
  /** This stack's Terraform JSON, once every stack is prepared for synth (see toTerraform). */
  private synthesized?: { [key: string]: unknown };
  private prepared = false;
  /** rawTerraform's result once prepared; null when the stack has no raw resources. */
  private rawSynthesized?: { resource: Record<string, Record<string, unknown>> } | null;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
    const state = props.state;
    if (state.backend === "local") {
      // A relative path: cdktf's default is an absolute path of the synthesizing machine.
      new LocalBackend(this, { path: `${PROJECT_ROOT_FROM_STACK_DIR}/${state.directory}/${id}.tfstate` });
    } else {
      const backend = new S3Backend(this, {
        bucket: state.bucket,
        key: `${state.keyPrefix}/${id}.tfstate`,
        region: state.region,
        encrypt: true,
        kmsKeyId: state.kmsKeyId,
      });
      // Native S3 locking (Terraform ≥ 1.10, OpenTofu ≥ 1.10) replaces the DynamoDB lock table;
      // cdktf 0.21 has no property for it.
      backend.addOverride("use_lockfile", true);
    }
    new AwsProvider(this, "aws", { region: props.region, defaultTags: [{ tags: { ...props.tags } }] });
    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        const raw = this.rawTerraform();
        if (!raw) return;
        const directory = join(session.outdir, session.manifest.forStack(this).workingDirectory);
        writeFileSync(join(directory, RAW_RESOURCES_FILE), `${JSON.stringify(raw, null, 2)}\n`);
      },
    });
  }

  /** cdktf prepares every stack (cross-stack outputs included) before it synthesizes any. */
  override prepareStack(): void {
    super.prepareStack();
    this.prepared = true;
    this.synthesized = undefined;
    this.rawSynthesized = undefined;
  }

  /**
   * Synth asks for a stack's JSON twice, with nothing changing in between: the guardrails aspect reads it,
   * then cdktf writes it. Once the stacks are prepared, the second call returns the first's result.
   */
  override toTerraform(): { [key: string]: unknown } {
    if (!this.prepared) return super.toTerraform();
    const json = this.synthesized ?? super.toTerraform();
    this.synthesized = json;
    return json;
  }

  /**
   * The stack's RawResources as Terraform JSON (`{ resource: { <type>: { <logical id>: body } } }`), or
   * undefined when it has none. Synth writes them to RAW_RESOURCES_FILE beside cdk.tf.json, with the
   * native JSON.stringify: Terraform reads every *.tf.json of the folder as one module, and cdktf's own
   * writer (json-stable-stringify, in JavaScript) took 50 ms of a 500-table synth over the lake's 2.5 MB.
   * The guardrails read them with the stack's JSON.
   */
  rawTerraform(): { resource: Record<string, Record<string, unknown>> } | undefined {
    // Read twice per synth (the guardrails, then the file): built once the stacks are prepared.
    if (this.prepared && this.rawSynthesized !== undefined) return this.rawSynthesized ?? undefined;
    const built = this.buildRawTerraform();
    if (this.prepared) this.rawSynthesized = built ?? null;
    return built;
  }

  private buildRawTerraform(): { resource: Record<string, Record<string, unknown>> } | undefined {
    const raw = this.node.findAll().filter((c): c is RawResource => c instanceof RawResource);
    if (raw.length === 0) return undefined;
    const resource: Record<string, Record<string, unknown>> = {};
    for (const r of raw) {
      const byName = resource[r.resourceType] ?? {};
      byName[r.logicalId] = r.toJson();
      resource[r.resourceType] = byName;
    }
    return { resource };
  }
}
