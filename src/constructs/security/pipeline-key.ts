import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { arnParts } from "./arn-parts";

export interface PipelineKeyProps {
  /** Alias, with its `alias/` prefix, e.g. `alias/cdc-lake-prod`. */
  readonly alias: string;
  /** The pipeline the key serves, for its description, e.g. `cdc-lake-prod`. */
  readonly pipelineName: string;
}

/**
 * The pipeline's customer-managed KMS key for data at rest (RDS storage and Performance Insights, MSK,
 * the data lake, the alarm topic): rotated yearly, 30 days to change one's mind after a delete. Its key
 * policy delegates to IAM (AWS's default policy), so services use it on behalf of principals whose IAM
 * policies allow it; CloudWatch, which acts for no principal of the account, is let in by a grant method.
 */
export class PipelineKey extends Construct {
  readonly key: KmsKey;
  private policy?: KmsKeyPolicy;

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

  /**
   * Lets CloudWatch alarms of this account publish to `topicArn`, an SNS topic encrypted with this key
   * (kms:GenerateDataKey* and kms:Decrypt, for that topic's encryption context only). The key policy is
   * then written out: AWS's default statement plus this one.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   */
  allowAlarmNotifications(topicArn: string): void {
    if (this.policy) throw new Error(`${this.node.path}: alarm notifications are already allowed`);
    const { partition, account } = arnParts(this.key.arn);
    // A key policy is a resource policy: its Resource "*" means this key. Written with jsonencode, as
    // AWS documents it, rather than as an IAM policy document.
    this.policy = new KmsKeyPolicy(this, "Policy", {
      keyId: this.key.keyId,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            // AWS's default key policy: IAM policies of the account decide who may use the key.
            Sid: "EnableIamPolicies",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${account}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "CloudWatchAlarmsToTheAlertTopic",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
            Condition: {
              StringEquals: {
                "aws:SourceAccount": account,
                "kms:EncryptionContext:aws:sns:topicArn": topicArn,
              },
            },
          },
        ],
      }),
    });
  }
}
