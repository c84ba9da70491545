import { TerraformStack } from "cdktf";
import { Construct } from "constructs";

/** Where a RawResource lands: by default where a provider class at its construct path would. */
export interface RawResourceOptions {
  /**
   * The resource's name in Terraform (`<type>.<logicalId>`), as a provider class's overrideLogicalId sets
   * it: for an address users type, such as a for_each resource's instances.
   * @default cdktf's logical id for the construct path (the path's parts and a hash of it)
   */
  readonly logicalId?: string;
}

/** Terraform's identifiers: a letter or underscore, then letters, digits, underscores and dashes. */
const TERRAFORM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * A resource written into its stack's JSON as given: plain data that cdktf neither maps nor resolves. For
 * resources whose data grows with the captured tables, where cdktf's per-leaf token resolution dominates
 * synth: the lake's for_each maps of Glue tables and views (as a provider class per table, 1.4 s of a
 * 500-table synth, against the 1.5× budget of issue 12).
 *
 * Its body must hold no cdktf token: references to other resources are written as Terraform expressions
 * from their addresses (`address`), and template sequences are escaped by the caller. The
 * stack writes the bodies beside its cdk.tf.json (PipelineStack.rawTerraform, RAW_RESOURCES_FILE) at the
 * address a provider class at the same construct path would get, so switching a resource to or from this
 * class keeps its Terraform address.
 */
export class RawResource extends Construct {
  constructor(
    scope: Construct,
    id: string,
    readonly resourceType: string,
    readonly body: Readonly<Record<string, unknown>>,
    options: RawResourceOptions = {},
  ) {
    super(scope, id);
    if (options.logicalId !== undefined && !TERRAFORM_NAME.test(options.logicalId)) {
      throw new Error(`${this.node.path}: logicalId "${options.logicalId}" is not a Terraform name`);
    }
    this.cachedLogicalId = options.logicalId;
    assertPlainData(this, body);
  }

  private cachedLogicalId?: string;

  /** options.logicalId, or the one cdktf gives a resource at this construct path (a hash of it: computed once). */
  get logicalId(): string {
    this.cachedLogicalId ??= TerraformStack.of(this).getLogicalId(this.node);
    return this.cachedLogicalId;
  }

  /** `type.logicalId`: what depends_on lists. */
  get address(): string {
    return `${this.resourceType}.${this.logicalId}`;
  }

  /** The body with cdktf's metadata block, as the stack's JSON holds a resource. */
  toJson(): Record<string, unknown> {
    return { "//": { metadata: { path: this.node.path, uniqueId: this.logicalId } }, ...this.body };
  }
}

/**
 * A local value written beside the stack's JSON as given, as RawResource writes a resource: what many
 * instances of a for_each RawResource share, written once (`local.<name>` in their expressions). Plain data,
 * with template sequences escaped by the caller.
 */
export class RawLocal extends Construct {
  constructor(
    scope: Construct,
    id: string,
    /** Its name in Terraform (`local.<name>`), unique in the stack. */
    readonly name: string,
    readonly value: unknown,
  ) {
    super(scope, id);
    if (!TERRAFORM_NAME.test(name))
      throw new Error(`${this.node.path}: name "${name}" is not a Terraform name`);
    assertPlainData(this, value);
  }

  /** `local.<name>`, for an expression. */
  get expression(): string {
    return `local.${this.name}`;
  }
}

/** Refuses a cdktf token anywhere in `value`: raw data is written as given, never resolved. */
function assertPlainData(construct: Construct, value: unknown): void {
  // A string token shows its marker in the serialized value; numbers come from the config (a number token
  // would be a double no parser here can tell apart, and is not checked).
  if (/[$#&]\{TfToken\[/.test(JSON.stringify(value))) {
    throw new Error(
      `${construct.node.path}: got a cdktf token in raw Terraform data; expected plain data (see RawResource)`,
    );
  }
}
