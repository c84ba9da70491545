import type { Rule } from "../rule";

export const RdsBackups: Rule = {
  id: "CDC-RDS7",
  level: "warning",
  cause:
    "The RDS instance keeps automated backups for fewer than 7 days, or deletes without a final snapshot.",
  why: "A week of point-in-time recovery and a final snapshot are the floor for a production source database.",
  fix: "Set database.backupRetentionDays: 7 or more and database.skipFinalSnapshot: false.",
  appliesTo: ["aws_db_instance"],
  check: (b) =>
    (b.config.backup_retention_period ?? 0) >= 7 && b.config.skip_final_snapshot !== true
      ? "compliant"
      : "non-compliant",
};
