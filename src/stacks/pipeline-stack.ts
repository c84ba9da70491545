import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { PipelineConfig } from "../config/schema";

/** cdktf runs Terraform in `<outdir>/stacks/<stack>`: three levels below the project root. */
const PROJECT_ROOT_FROM_STACK_DIR = "../../..";

/**
 * Ephemeral resources and write-only arguments keep every password out of plans and state; they need
 * Terraform ≥ 1.11 or OpenTofu ≥ 1.11, and an older binary would fail with unclear errors.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

/**
 * Sets the stack's state backend from config: one state per stack, so cross-stack references become
 * `terraform_remote_state` reads of the same location, with either backend.
 */
export function configureStateAndVersion(
  stack: TerraformStack,
  stackName: string,
  config: PipelineConfig,
): void {
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
  const state = config.state;
  if (state.backend === "local") {
    // A relative path: cdktf's default is an absolute path of the synthesizing machine.
    new LocalBackend(stack, {
      path: `${PROJECT_ROOT_FROM_STACK_DIR}/${state.directory}/${stackName}.tfstate`,
    });
    return;
  }
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: `${state.keyPrefix}/${stackName}.tfstate`,
    region: state.region ?? config.region,
    encrypt: true,
    kmsKeyId: state.kmsKeyId,
  });
  // Native S3 locking (Terraform ≥ 1.10, OpenTofu ≥ 1.10) replaces the DynamoDB lock table;
  // cdktf 0.21 has no property for it.
  backend.addOverride("use_lockfile", true);
}
