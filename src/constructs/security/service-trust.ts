import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Fn } from "cdktf";
import type { Construct } from "constructs";

/** Partition, region and account of an ARN held in a Terraform reference, with no API lookup. */
export function arnParts(arn: string): { partition: string; region: string; account: string } {
  const part = (i: number) => Fn.element(Fn.split(":", arn), i);
  return { partition: part(1), region: part(3), account: part(4) };
}

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
