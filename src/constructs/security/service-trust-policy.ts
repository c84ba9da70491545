import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { Construct } from "constructs";

/**
 * A role trust policy: `service` may assume the role only on behalf of `sourceArn` in `account`
 * (the confused-deputy conditions).
 */
export function serviceTrustPolicy(
  scope: Construct,
  id: string,
  props: { service: string; account: string; sourceArn: string },
): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [
      {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: [props.service] }],
        condition: [
          { test: "StringEquals", variable: "aws:SourceAccount", values: [props.account] },
          { test: "ArnLike", variable: "aws:SourceArn", values: [props.sourceArn] },
        ],
      },
    ],
  });
}
