import type { Rule } from "../rule";

export const LogRetentionYear: Rule = {
  id: "CDC-LOG2",
  level: "warning",
  cause: "A CloudWatch log group keeps logs for less than a year.",
  why: "Audits and incident reviews of a data pipeline routinely look back further than weeks.",
  fix: "Set logs.retentionDays: 365 or more.",
  appliesTo: ["aws_cloudwatch_log_group"],
  check: (b) => ((b.config.retention_in_days ?? 0) >= 365 ? "compliant" : "non-compliant"),
};
