import { createHash } from "node:crypto";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import type { AlertSubscription } from "../../config/pipeline-config";
import { arnParts } from "../security/arn-parts";
import type { PipelineKey } from "../security/pipeline-key";

export interface AlertTopicProps {
  /** Topic name, e.g. `cdc-lake-prod-alerts`. */
  readonly name: string;
  /** Who is notified: each subscription is a resource keyed by its protocol and endpoint. */
  readonly subscriptions: readonly AlertSubscription[];
  /**
   * The pipeline's KMS key: the topic is encrypted with it, and its policy lets CloudWatch use it for this
   * topic (without that, an alarm's notification to an encrypted topic is silently dropped).
   * @default - SNS does not encrypt the topic at rest
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   */
  readonly key?: PipelineKey;
}

/**
 * The SNS topic every alarm of the pipeline notifies, with its subscriptions: CloudWatch alarms of this
 * account (and only they, besides the account's own principals) may publish to it.
 */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, "Resource", {
      name: props.name,
      kmsMasterKeyId: props.key?.arn,
    });
    const { partition, region, account } = arnParts(this.topic.arn);
    const document = new DataAwsIamPolicyDocument(this, "PolicyDocument", {
      statement: [
        {
          sid: "CloudWatchAlarmsOfThisAccount",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
            {
              test: "ArnLike",
              variable: "aws:SourceArn",
              values: [`arn:${partition}:cloudwatch:${region}:${account}:alarm:*`],
            },
          ],
        },
      ],
    });
    new SnsTopicPolicy(this, "Policy", { arn: this.topic.arn, policy: document.json });
    props.key?.allowAlarmNotifications(this.topic.arn);

    for (const { protocol, endpoint } of props.subscriptions) {
      // Keyed by content, so adding or removing one subscription leaves the others' addresses alone.
      const key = createHash("sha256").update(`${protocol}\n${endpoint}`).digest("hex").slice(0, 8);
      new SnsTopicSubscription(this, `Subscription-${protocol}-${key}`, {
        topicArn: this.topic.arn,
        protocol,
        endpoint,
      });
    }
  }

  get arn(): string {
    return this.topic.arn;
  }
}
