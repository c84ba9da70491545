import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";

export interface PipelineKeyProps {
  /** Alias, with its `alias/` prefix, e.g. `alias/cdc-lake-prod`. */
  readonly alias: string;
  /** The pipeline the key serves, for its description, e.g. `cdc-lake-prod`. */
  readonly pipelineName: string;
}

/**
 * The pipeline's customer-managed KMS key for data at rest (RDS storage and Performance Insights, MSK,
 * the data lake): rotated yearly, 30 days to change one's mind after a delete. Its default key policy
 * delegates to IAM, so services use it on behalf of principals whose IAM policies allow it.
 */
export class PipelineKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: PipelineKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, "Resource", {
      description: `Data at rest of ${props.pipelineName}: RDS, MSK, S3 data lake`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "Alias", { name: props.alias, targetKeyId: this.key.keyId });
  }

  get arn(): string {
    return this.key.arn;
  }
}
