import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { PipelineConfig } from "../config/schema";

/** cdktf runs Terraform in `<outdir>/stacks/<stack>`: three levels below the project root. */
const PROJECT_ROOT_FROM_STACK_DIR = "../../..";

/**
 * Sets the stack's state backend from config: one state per stack, so cross-stack references become
 * `terraform_remote_state` reads of the same location, with either backend.
 */
export function configureBackend(stack: TerraformStack, stackName: string, config: PipelineConfig): void {
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
