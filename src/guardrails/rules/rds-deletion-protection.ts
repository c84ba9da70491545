import type { Rule } from "../rule";

export const RdsDeletionProtection: Rule = {
  id: "CDC-RDS6",
  level: "warning",
  cause: "The RDS instance can be deleted without first turning deletion protection off.",
  why: "One destroy or one wrong plan deletes the database the pipeline captures.",
  fix: "Set database.deletionProtection: true.",
  appliesTo: ["aws_db_instance"],
  check: (b) => (b.config.deletion_protection === true ? "compliant" : "non-compliant"),
};
