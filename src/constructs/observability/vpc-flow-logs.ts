import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { arnParts } from "../security/arn-parts";
import { serviceTrustPolicy } from "../security/service-trust-policy";
import { PipelineLogGroup } from "./pipeline-log-group";

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
    const { partition, region, account } = arnParts(props.vpcArn);
    const trust = serviceTrustPolicy(this, "TrustPolicy", {
      service: "vpc-flow-logs.amazonaws.com",
      account,
      sourceArn: `arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*`,
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
