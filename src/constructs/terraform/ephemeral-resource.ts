import { ref, TerraformElement, Token } from "cdktf";
import type { Construct } from "constructs";

/**
 * A Terraform ephemeral resource (Terraform ≥ 1.10, OpenTofu ≥ 1.11), which cdktf 0.21 has no class for.
 * Its values exist only while a plan or apply runs: never in the plan file, never in state. They may feed
 * provider configuration, provisioners and write-only arguments, which is how this project passes
 * passwords without ever storing them.
 */
export class EphemeralResource extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    readonly ephemeralType: string,
    private readonly config: Record<string, unknown>,
  ) {
    super(scope, id, `ephemeral.${ephemeralType}`);
  }

  /** A token for `ephemeral.<type>.<name>.<attribute>`. */
  attribute(name: string): string {
    return Token.asString(
      ref(`ephemeral.${this.ephemeralType}.${this.friendlyUniqueId}.${name}`, this.cdktfStack),
    );
  }

  override toTerraform(): Record<string, unknown> {
    return {
      ephemeral: {
        [this.ephemeralType]: {
          [this.friendlyUniqueId]: { ...this.config, "//": this.constructNodeMetadata },
        },
      },
    };
  }
}
