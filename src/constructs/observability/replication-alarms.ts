import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";

export interface ReplicationAlarmsProps {
  readonly slotLagAlarmName: string;
  readonly freeStorageAlarmName: string;
  /** RDS instance identifier (the metrics' DBInstanceIdentifier). */
  readonly dbInstanceIdentifier: string;
  readonly allocatedStorageGiB: number;
  /** max_slot_wal_keep_size: the lag alarm fires at half of it, before PostgreSQL invalidates the slot. */
  readonly maxSlotWalKeepSizeMiB: number;
  /** SNS topic to notify. @default - none: the alarms show in the console only */
  readonly topicArn?: string;
}

/**
 * The two alarms a logical-replication source needs: a replication slot falling behind (a stopped or
 * failing connector) and free storage running out (retained WAL, or growth).
 */
export class ReplicationAlarms extends Construct {
  constructor(scope: Construct, id: string, props: ReplicationAlarmsProps) {
    super(scope, id);
    const actions = props.topicArn ? [props.topicArn] : [];
    const common = {
      namespace: "AWS/RDS",
      dimensions: { DBInstanceIdentifier: props.dbInstanceIdentifier },
      period: 300,
      alarmActions: actions,
      okActions: actions,
      treatMissingData: "breaching",
    };
    new CloudwatchMetricAlarm(this, "SlotLag", {
      ...common,
      alarmName: props.slotLagAlarmName,
      alarmDescription:
        "The oldest replication slot retains more than half of max_slot_wal_keep_size: is the Debezium connector running?",
      metricName: "OldestReplicationSlotLag",
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: (props.maxSlotWalKeepSizeMiB / 2) * 1024 * 1024,
      evaluationPeriods: 3,
      // No slot yet (before the connectors stack) is not an outage.
      treatMissingData: "notBreaching",
    });
    new CloudwatchMetricAlarm(this, "FreeStorage", {
      ...common,
      alarmName: props.freeStorageAlarmName,
      alarmDescription: "Less than 20% of the database's storage is free.",
      metricName: "FreeStorageSpace",
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: props.allocatedStorageGiB * 0.2 * 1024 ** 3,
      evaluationPeriods: 2,
    });
  }
}
