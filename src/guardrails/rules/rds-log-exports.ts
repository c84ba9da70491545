import type { Rule } from "../rule";

export const RdsLogExports: Rule = {
  id: "CDC-RDS10",
  level: "warning",
  cause: "The RDS instance does not export its PostgreSQL log to CloudWatch Logs.",
  why: "Replication errors, slot invalidations and failed logins are only in the PostgreSQL log.",
  fix: 'Set database.logExports to include "postgresql".',
  appliesTo: ["aws_db_instance"],
  check: (b) =>
    (b.config.enabled_cloudwatch_logs_exports ?? []).includes("postgresql") ? "compliant" : "non-compliant",
};
