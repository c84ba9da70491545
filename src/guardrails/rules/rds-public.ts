import type { Rule } from "../rule";

export const RdsPublic: Rule = {
  id: "CDC-RDS1",
  level: "error",
  cause: "The RDS instance is publicly accessible.",
  why: "A public address exposes PostgreSQL (and its replication slot) to the internet; only the security group stands in the way.",
  fix: "Set database.publiclyAccessible: false and apply the database stack through network.operatorAccess (docs/runbook.md).",
  appliesTo: ["aws_db_instance"],
  check: (b) => (b.config.publicly_accessible === true ? "non-compliant" : "compliant"),
};
