import type { Rule } from "../rule";

export const AlarmActions: Rule = {
  id: "CDC-OBS1",
  level: "warning",
  cause: "A CloudWatch alarm has no alarm action.",
  why: "An alarm that notifies nobody is seen only by someone already looking at the console: a stopped connector fills the database's disk unnoticed.",
  fix: "Set alerts.emails or alerts.subscriptions (the pipeline creates an encrypted SNS topic), or alerts.snsTopicArn.",
  details:
    "An alarm complies when `alarm_actions` names at least one action and `actions_enabled` is not false. " +
    "Metric and composite alarms are checked.",
  appliesTo: ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
  check: (b) => {
    const actions = b.config.alarm_actions;
    const named = Array.isArray(actions) ? actions.length > 0 : typeof actions === "string" && actions !== "";
    return named && b.config.actions_enabled !== false ? "compliant" : "non-compliant";
  },
};
