import type { Rule } from "../rule";

export const LogRetention: Rule = {
  id: "CDC-LOG1",
  level: "error",
  cause: "A CloudWatch log group has no retention.",
  why: "Logs without retention are kept, and billed, forever.",
  fix: "Set retention_in_days (PipelineLogGroup requires it; logs.retentionDays in config).",
  appliesTo: ["aws_cloudwatch_log_group"],
  check: (b) => ((b.config.retention_in_days ?? 0) > 0 ? "compliant" : "non-compliant"),
};
