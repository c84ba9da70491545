import type { Rule } from "../rule";

export const RdsPerformanceInsights: Rule = {
  id: "CDC-RDS9",
  level: "warning",
  cause: "The RDS instance has no Performance Insights.",
  why: "When replication lags or the database slows, Performance Insights shows which queries and waits are why.",
  fix: "Set database.performanceInsights: true.",
  appliesTo: ["aws_db_instance"],
  check: (b) => (b.config.performance_insights_enabled === true ? "compliant" : "non-compliant"),
};
