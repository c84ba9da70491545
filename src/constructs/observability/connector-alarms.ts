import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";

export interface ConnectorAlarmsProps {
  /** The MSK Connect connector's name (the metrics' `ConnectorName`). */
  readonly connectorName: string;
  readonly erroredTasksAlarmName: string;
  readonly runningTasksAlarmName: string;
  /** What the connector is, as the alarms' descriptions name it, e.g. "Debezium source of billing". */
  readonly description: string;
  /** SNS topic notified on ALARM and OK. @default - none: the alarms show in the console only */
  readonly topicArn?: string;
}

/**
 * A connector's two alarms, on the metrics MSK Connect publishes per connector (namespace AWS/KafkaConnect,
 * dimension `ConnectorName`): a task in the FAILED state (`ErroredTaskCount`; Kafka Connect does not restart
 * a failed task by itself), and no task running (`RunningTaskCount`: the Debezium source has one task, the
 * sink at least one, so fewer than one means nothing moves). MSK Connect publishes no count of failed task
 * startups (only `TaskStartupAttemptsTotal` and `TaskStartupSuccessPercentage`): a task that fails to start
 * is FAILED, so `ErroredTaskCount` covers it.
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/mkc-monitoring-overview.html
 */
export class ConnectorAlarms extends Construct {
  readonly erroredTasks: CloudwatchMetricAlarm;
  readonly runningTasks: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: ConnectorAlarmsProps) {
    super(scope, id);
    const actions = props.topicArn ? [props.topicArn] : [];
    const common = {
      namespace: "AWS/KafkaConnect",
      dimensions: { ConnectorName: props.connectorName },
      period: 300,
      alarmActions: actions,
      okActions: actions,
    };
    this.erroredTasks = new CloudwatchMetricAlarm(this, "ErroredTasks", {
      ...common,
      alarmName: props.erroredTasksAlarmName,
      alarmDescription: `A task of the ${props.description} failed: read the connector's log group, fix the cause, restart the connector.`,
      metricName: "ErroredTaskCount",
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      // A failed task stays failed: one period is enough.
      evaluationPeriods: 1,
      // A connector with no workers publishes nothing; the running-tasks alarm reports that silence.
      treatMissingData: "notBreaching",
    });
    this.runningTasks = new CloudwatchMetricAlarm(this, "RunningTasks", {
      ...common,
      alarmName: props.runningTasksAlarmName,
      alarmDescription: `No task of the ${props.description} has been running for 15 minutes: nothing moves through it.`,
      metricName: "RunningTaskCount",
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      // Three periods: a rebalance or a worker replacement stops tasks for a few minutes.
      evaluationPeriods: 3,
      // A failed or deleted connector has no workers to publish anything: silence is the outage itself.
      treatMissingData: "breaching",
    });
  }
}
