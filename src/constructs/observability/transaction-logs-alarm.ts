import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";

export interface TransactionLogsAlarmProps {
  readonly alarmName: string;
  /** RDS instance identifier (the metric's DBInstanceIdentifier). */
  readonly dbInstanceIdentifier: string;
  /**
   * max_slot_wal_keep_size: the most WAL the pipeline's slot may retain. The alarm fires when the instance
   * keeps more WAL than that.
   */
  readonly maxSlotWalKeepSizeMiB: number;
  /** SNS topic notified on ALARM and OK. @default - none: the alarm shows in the console only */
  readonly topicArn?: string;
}

/**
 * WAL on the source's disk (RDS `TransactionLogsDiskUsage`, bytes) above the slot's cap. The slot alone can
 * retain at most max_slot_wal_keep_size, so more WAL than that means the slot is at its cap (about to be
 * invalidated, which costs a new snapshot) or something else holds WAL: another replication slot, failing
 * WAL archiving, a write burst checkpoints cannot keep up with. The slot-lag alarm fires earlier for the
 * first cause; this one names the disk use whatever the cause.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 */
export class TransactionLogsAlarm extends Construct {
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: TransactionLogsAlarmProps) {
    super(scope, id);
    const actions = props.topicArn ? [props.topicArn] : [];
    this.alarm = new CloudwatchMetricAlarm(this, "Resource", {
      alarmName: props.alarmName,
      alarmDescription:
        "WAL on the database's disk exceeds max_slot_wal_keep_size: the CDC slot is at its cap, or another slot, failed archiving or a write burst retains WAL.",
      namespace: "AWS/RDS",
      metricName: "TransactionLogsDiskUsage",
      dimensions: { DBInstanceIdentifier: props.dbInstanceIdentifier },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 2,
      comparisonOperator: "GreaterThanThreshold",
      threshold: props.maxSlotWalKeepSizeMiB * 1024 * 1024,
      // A silent instance (stopped, failing over) is already an ALARM of the free-storage alarm, which
      // treats missing data as breaching: a second notification for the same silence says nothing new.
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
    });
  }
}
