import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Construct } from "constructs";

export interface PipelineLogGroupProps {
  /** Log group name, a path such as `/cdc-lake/demo/msk-broker`. */
  readonly name: string;
  /** Days CloudWatch keeps events. Required: a group without retention keeps logs (and bills) forever. */
  readonly retentionDays: number;
  /** KMS key for the log data. @default - CloudWatch's service-owned encryption */
  readonly kmsKeyArn?: string;
}

/** A CloudWatch log group that always has a retention. */
export class PipelineLogGroup extends Construct {
  readonly resource: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: PipelineLogGroupProps) {
    super(scope, id);
    this.resource = new CloudwatchLogGroup(this, "Resource", {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
  }

  get name(): string {
    return this.resource.name;
  }
}
