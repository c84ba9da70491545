// biome-ignore lint/style/noRestrictedImports: written only during app.synth(), into cdktf's own output folder, as cdktf's TerraformAsset does: the raw resources beside cdk.tf.json
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  DefaultTokenResolver,
  LocalBackend,
  S3Backend,
  StringConcat,
  TerraformElement,
  TerraformOutput,
  TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
import { deepMerge } from "cdktf/lib/util";
import type { Construct, IConstruct } from "constructs";
import type { StateConfig } from "../config/pipeline-config";
import { RawLocal, RawResource } from "../constructs/terraform/raw-resource";

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

/** Where a stack's RawResources are written, beside cdk.tf.json: Terraform reads both as one module. */
export const RAW_RESOURCES_FILE = "raw-resources.tf.json";

/**
 * A stack of the pipeline: Terraform ≥ 1.11, its own state (one per stack, so cross-stack references
 * become `terraform_remote_state` reads of the same location, with either backend), and the AWS
 * provider with the pipeline's default tags.
 */
export abstract class PipelineStack extends TerraformStack {
  /** This stack's Terraform JSON, once every stack is prepared for synth (see toTerraform). */
  private synthesized?: { [key: string]: unknown };
  private prepared = false;
  /** Each element's JSON as preparation resolved it (see prepareStack). */
  private preparedFragments?: Map<TerraformElement, unknown>;
  /** rawTerraform's result once prepared; null when the stack has no raw resources. */
  private rawSynthesized?: RawTerraform | null;

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

  /**
   * cdktf prepares every stack before it synthesizes any: it resolves each element's JSON once only to find
   * the references to other stacks (adding their outputs and remote-state reads), throws the result away,
   * and resolves everything twice more when the stack is written (each element, then the whole stack:
   * TerraformStack.prepareStack and toTerraform, terraform-stack.js:94 and :248 in cdktf 0.21.0). Here the
   * preparing resolution is kept: it already returns what the later one would (a cross-stack reference is
   * recorded before it resolves), so toTerraform resolves only the elements preparation added. Resolving
   * is most of a synth's time: this takes two of its three passes away (test/synth/stack-json.test.ts
   * proves the JSON equals cdktf's own for every shipped config and each element is resolved once). So
   * nothing may change an element once the stacks are prepared: cdktf runs aspects after this, and the
   * app's only aspect, the guardrails, reads.
   */
  override prepareStack(): void {
    this.prepared = true;
    this.synthesized = undefined;
    this.rawSynthesized = undefined;
    this.ensureBackendExists();
    this.preparedFragments = new Map();
    for (const element of stackElements(this)) {
      this.preparedFragments.set(element, resolve(this, element.toTerraform(), true));
    }
  }

  /**
   * Synth asks for a stack's JSON twice, with nothing changing in between: the guardrails aspect reads it,
   * then cdktf writes it. Once the stacks are prepared, the JSON is assembled once, as
   * TerraformStack.toTerraform assembles it, from the prepared elements.
   */
  override toTerraform(): { [key: string]: unknown } {
    if (!this.prepared) return super.toTerraform();
    this.synthesized ??= this.assemble(this.preparedFragments ?? new Map());
    return this.synthesized;
  }

  /** TerraformStack.toTerraform with each element's resolved JSON taken from `prepared` when it is there. */
  private assemble(prepared: ReadonlyMap<TerraformElement, unknown>): { [key: string]: unknown } {
    const { cdktfVersion, rawOverrides } = this as unknown as CdktfStackInternals;
    const elements = stackElements(this);
    const metadata: Record<string, unknown> = {
      version: cdktfVersion,
      stackName: this.node.id,
      backend: "local", // overwritten by the backend element's metadata, as in cdktf
      cloud: undefined,
      ...(Object.keys(rawOverrides).length > 0 ? { overrides: { stack: Object.keys(rawOverrides) } } : {}),
    };
    for (const element of elements) deepMerge(metadata, resolve(this, element.toMetadata()));
    const outputs = {};
    for (const element of elements) {
      if (!TerraformOutput.isTerraformOutput(element)) continue;
      // { <stack>: { <construct>: … { <output id>: <friendly unique id> } } }, as cdktf nests them.
      const nested = element.node.path
        .split("/")
        .reduceRight<Record<string, unknown>>(
          (inner, part) => ({ [part]: Object.keys(inner).length === 0 ? element.friendlyUniqueId : inner }),
          {},
        );
      deepMerge(outputs, nested);
    }
    const tf: Record<string, unknown> = { "//": { metadata, outputs } };
    for (const element of elements) {
      deepMerge(tf, prepared.has(element) ? prepared.get(element) : resolve(this, element.toTerraform()));
    }
    deepMerge(tf, rawOverrides);
    // cdktf resolves the merged whole once more. That matters only for a token in an override: the elements'
    // JSON is resolved, and resolving it again returns it unchanged (stack-json.test.ts).
    return holdsToken(rawOverrides) ? resolve(this, tf) : tf;
  }

  /**
   * The stack's RawLocals and RawResources as Terraform JSON (`{ locals: { <name>: value }, resource:
   * { <type>: { <logical id>: body } } }`), or undefined when it has neither. Synth writes them to
   * RAW_RESOURCES_FILE beside cdk.tf.json, with the native JSON.stringify: Terraform reads every *.tf.json
   * of the folder as one module, and cdktf's own writer (json-stable-stringify, in JavaScript) took 50 ms of
   * a 500-table synth over the lake's 2.5 MB. The guardrails read them with the stack's JSON.
   */
  rawTerraform(): RawTerraform | undefined {
    // Read twice per synth (the guardrails, then the file): built once the stacks are prepared.
    if (this.prepared && this.rawSynthesized !== undefined) return this.rawSynthesized ?? undefined;
    const built = this.buildRawTerraform();
    if (this.prepared) this.rawSynthesized = built ?? null;
    return built;
  }

  private buildRawTerraform(): RawTerraform | undefined {
    const all = this.node.findAll();
    const raw = all.filter((c): c is RawResource => c instanceof RawResource);
    const locals = all.filter((c): c is RawLocal => c instanceof RawLocal);
    if (raw.length === 0 && locals.length === 0) return undefined;
    const resource: Record<string, Record<string, unknown>> = {};
    for (const r of raw) {
      const byName = resource[r.resourceType] ?? {};
      byName[r.logicalId] = r.toJson();
      resource[r.resourceType] = byName;
    }
    if (locals.length === 0) return { resource };
    const values: Record<string, unknown> = {};
    for (const local of locals) {
      if (local.name in values) throw new Error(`${local.node.path}: local.${local.name} is written twice`);
      values[local.name] = local.value;
    }
    return { locals: values, resource };
  }
}

/** RAW_RESOURCES_FILE's content: the stack's RawLocals (when it has any) and RawResources. */
export interface RawTerraform {
  readonly locals?: Record<string, unknown>;
  readonly resource: Record<string, Record<string, unknown>>;
}

/** What TerraformStack keeps private and its toTerraform reads (cdktf 0.21.0, terraform-stack.d.ts). */
interface CdktfStackInternals {
  readonly cdktfVersion: string;
  readonly rawOverrides: Record<string, unknown>;
}

/** cdktf's resolver, as TerraformStack uses it (cdktf/lib/_tokens.js). */
const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * cdktf's resolution of `value` (Tokenization.resolve), which costs the same for every leaf, token or not
 * (a context and three pattern tests per string): here only the parts that may hold a token go through it;
 * the rest is copied as cdktf would return it (without undefined values). Arrays and objects that hold a
 * token among their own elements or keys go through whole, as list and map tokens are resolved at that
 * level. test/synth/stack-json.test.ts compares the result with cdktf's own for every shipped config.
 */
function resolve(stack: TerraformStack, value: unknown, preparing = false): Record<string, unknown> {
  return resolveParts(stack, value, preparing) as Record<string, unknown>;
}

function resolveParts(stack: TerraformStack, value: unknown, preparing: boolean): unknown {
  if (value === undefined || value === null || typeof value === "boolean") return value;
  if (mayBeToken(value)) return cdktfResolve(stack, value, preparing);
  if (typeof value !== "object") return value;
  if (Array.isArray(value)) {
    if (value.some(mayBeToken)) return cdktfResolve(stack, value, preparing);
    const resolved: unknown[] = [];
    for (const element of value) {
      const r = resolveParts(stack, element, preparing);
      if (r !== undefined) resolved.push(r);
    }
    return resolved;
  }
  const prototype = Object.getPrototypeOf(value);
  const plain =
    (prototype === Object.prototype || prototype === null) &&
    typeof (value as { resolve?: unknown }).resolve !== "function" &&
    !Object.keys(value).some(mayBeToken);
  if (!plain) return cdktfResolve(stack, value, preparing);
  const resolved: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value)) {
    const r = resolveParts(stack, element, preparing);
    if (r !== undefined) resolved[key] = r;
  }
  return resolved;
}

/**
 * Whether a string or number may be, or hold, a token: a string with a token marker (`${TfToken[`, and
 * the list and map ones) or a number written in exponent form (where a number token, a double of magnitude
 * ~1.9e289, would show); a number at least 1e280 in magnitude, or not finite. Anything else is not.
 */
function mayBeToken(value: unknown): boolean {
  if (typeof value === "string") return value.includes("TfToken[") || /\d[eE][-+]?\d/.test(value);
  if (typeof value === "number") return !Number.isFinite(value) || Math.abs(value) >= 1e280;
  return false;
}

function cdktfResolve(stack: TerraformStack, value: unknown, preparing: boolean): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing, resolver: TOKEN_RESOLVER });
}

/** Whether `value` holds a token anywhere (an unresolved string, number, list or resolvable object). */
function holdsToken(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(holdsToken);
}

/** The stack's elements in construct order, not those of a nested stack (cdktf's terraformElements). */
function stackElements(stack: TerraformStack): TerraformElement[] {
  const elements: TerraformElement[] = [];
  const visit = (node: IConstruct): void => {
    if (TerraformElement.isTerraformElement(node)) elements.push(node);
    for (const child of node.node.children) if (!TerraformStack.isStack(child)) visit(child);
  };
  visit(stack);
  return elements;
}
