import { Fn } from "cdktf";
import { arnParts } from "../security/arn-parts";

/**
 * IAM resource ARNs inside an MSK cluster, derived from the cluster's ARN
 * (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`), so no API lookup is needed.
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html#msk-iam-resources
 */
export class KafkaClusterArns {
  constructor(readonly cluster: string) {}

  /** `arn:aws:kafka:…:topic/<name>/<uuid>/<topic>`; `*` allowed at the end of the topic name. */
  topic(name: string): string {
    return `${Fn.replace(this.cluster, ":cluster/", ":topic/")}/${name}`;
  }

  /** `arn:aws:kafka:…:group/<name>/<uuid>/<group>`. */
  group(name: string): string {
    return `${Fn.replace(this.cluster, ":cluster/", ":group/")}/${name}`;
  }

  get account(): string {
    return arnParts(this.cluster).account;
  }

  get region(): string {
    return arnParts(this.cluster).region;
  }

  get partition(): string {
    return arnParts(this.cluster).partition;
  }
}

/**
 * One connector's own internal topics on MSK Connect: `__amazon_msk_connect_<configs|offsets|status>_<name>_<id>`.
 * Per connector, so one connector's role cannot rewrite another's offsets.
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/msk-connect-manage-connector-offsets.html
 */
export const internalTopics = (connectorName: string) => `__amazon_msk_connect_*_${connectorName}_*`;
/**
 * A source's change topics, `<topicPrefix>.<schema>.<table>` (kafka-connect/topics.ts changeTopic), as one
 * IAM topic pattern: one ARN however many tables are captured, where one ARN per table passes IAM's
 * 10,240-character limit on a role's inline policies at about 90 tables. Still this source's own topics:
 * the `.` closes the prefix, so a prefix `cdc` does not reach `cdc-other.…`, and neither the offsets topic
 * (`<connector>.offsets`), the heartbeat topic (`__debezium-heartbeat.<topicPrefix>`) nor MSK Connect's
 * internal topics (`__amazon_msk_connect_…`) match it.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_apachekafkaapisforamazonmskclusters.html
 */
export const changeTopics = (topicPrefix: string) => `${topicPrefix}.*`;
/** Kafka Connect's worker groups on MSK Connect. */
export const MSK_CONNECT_INTERNAL_GROUPS = "__amazon_msk_connect_*";
/** A sink connector's consumer group. */
export const connectGroup = (connectorName: string) => `connect-${connectorName}`;

/** The IAM actions each role gets, in one place. */
export const KafkaActions = {
  cluster: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
  internalTopics: [
    "kafka-cluster:CreateTopic",
    "kafka-cluster:DescribeTopic",
    "kafka-cluster:ReadData",
    "kafka-cluster:WriteData",
  ],
  groups: ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
  /** Debezium creates its topics (topic.creation.*) and writes change events and heartbeats. */
  produce: ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
  /** The S3 sink reads the change topics. */
  consume: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
} as const;
