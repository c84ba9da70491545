import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";

/** AWS's advice: act when a broker's data-log disk reaches 80% (scale storage, shorten retention). */
export const BROKER_DISK_USED_PERCENT = 80;

export interface KafkaAlarmsProps {
  /** The MSK cluster's name (the metric's `Cluster Name`). */
  readonly clusterName: string;
  /** Brokers in the cluster: MSK numbers them 1..brokerCount (the metric's `Broker ID`). */
  readonly brokerCount: number;
  /** The alarm's name for a broker ID. */
  readonly alarmName: (brokerId: number) => string;
  /** SNS topic notified on ALARM and OK. @default - none: the alarms show in the console only */
  readonly topicArn?: string;
}

/**
 * One alarm per broker on its data-log disk (`KafkaDataLogsDiskUsed`, percent, a DEFAULT-level metric with
 * the dimensions `Cluster Name` and `Broker ID`). A full broker disk stops every topic it leads; storage
 * autoscaling targets 60%, so 80% means it is not keeping up (one scaling per six hours) or has reached its
 * maximum.
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html
 * @see https://docs.aws.amazon.com/whitepapers/latest/cost-modeling-data-lakes/cost-optimization-in-analytics-services.html
 */
export class KafkaAlarms extends Construct {
  /** Per broker, in broker ID order. */
  readonly brokerDisk: readonly CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: KafkaAlarmsProps) {
    super(scope, id);
    if (!Number.isInteger(props.brokerCount) || props.brokerCount < 1) {
      throw new Error(
        `${this.node.path}: got brokerCount ${props.brokerCount}; expected a whole number of brokers, at least 1`,
      );
    }
    const actions = props.topicArn ? [props.topicArn] : [];
    this.brokerDisk = brokerIds(props.brokerCount).map(
      (brokerId) =>
        new CloudwatchMetricAlarm(this, `Broker${brokerId}Disk`, {
          alarmName: props.alarmName(brokerId),
          alarmDescription: `Broker ${brokerId}'s data-log disk is over ${BROKER_DISK_USED_PERCENT}% full: storage autoscaling is not keeping up or is at its maximum (streaming.maxBrokerVolumeGiB).`,
          namespace: "AWS/Kafka",
          metricName: "KafkaDataLogsDiskUsed",
          dimensions: { "Cluster Name": props.clusterName, "Broker ID": String(brokerId) },
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 2,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: BROKER_DISK_USED_PERCENT,
          // MSK publishes this every minute for each broker of an ACTIVE cluster (the alarm is created
          // after the cluster): silence means the broker is gone, which stops its partitions as surely as a
          // full disk.
          treatMissingData: "breaching",
          alarmActions: actions,
          okActions: actions,
        }),
    );
  }
}

/** MSK's broker IDs: 1..brokerCount. */
export function brokerIds(brokerCount: number): number[] {
  return Array.from({ length: brokerCount }, (_, i) => i + 1);
}
