import type { Rule } from "../rule";

export const RdsMultiAz: Rule = {
  id: "CDC-RDS5",
  level: "warning",
  cause: "The RDS instance runs in a single availability zone.",
  why: "An AZ outage stops the source of every change event until the instance is restored.",
  fix: "Set database.multiAz: true.",
  appliesTo: ["aws_db_instance"],
  check: (b) => (b.config.multi_az === true ? "compliant" : "non-compliant"),
};
