import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { PipelineLogGroup } from "./log-group";

export interface VpcFlowLogsProps {
  readonly vpcId: string;
  /** The VPC's ARN: its account and region scope the role's trust (confused-deputy conditions). */
  readonly vpcArn: string;
  readonly logGroupName: string;
  readonly retentionDays: number;
  /** IAM role name for the flow-log service. */
  readonly roleName: string;
}

/** All traffic of the VPC (accepted and rejected) to a CloudWatch log group with retention. */
export class VpcFlowLogs extends Construct {
  constructor(scope: Construct, id: string, props: VpcFlowLogsProps) {
    super(scope, id);
    const logs = new PipelineLogGroup(this, "Logs", {
      name: props.logGroupName,
      retentionDays: props.retentionDays,
    });
    // arn:<partition>:ec2:<region>:<account>:vpc/<id>: no API lookup needed.
    const arnPart = (i: number) => Fn.element(Fn.split(":", props.vpcArn), i);
    const [partition, region, account] = [arnPart(1), arnPart(3), arnPart(4)];
    const trust = new DataAwsIamPolicyDocument(this, "TrustPolicy", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
            {
              test: "ArnLike",
              variable: "aws:SourceArn",
              values: [`arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*`],
            },
          ],
        },
      ],
    });
    const role = new IamRole(this, "Role", { name: props.roleName, assumeRolePolicy: trust.json });
    const write = new DataAwsIamPolicyDocument(this, "WritePolicy", {
      statement: [
        {
          effect: "Allow",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [logs.resource.arn, `${logs.resource.arn}:*`],
        },
      ],
    });
    new IamRolePolicy(this, "Write", { name: "flow-logs", role: role.id, policy: write.json });
    new FlowLog(this, "Resource", {
      vpcId: props.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logs.resource.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 600,
    });
  }
}
