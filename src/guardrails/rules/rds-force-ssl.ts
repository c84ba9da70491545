import type { Rule } from "../rule";

export const RdsForceSsl: Rule = {
  id: "CDC-RDS8",
  level: "error",
  cause: "The PostgreSQL parameter group does not set rds.force_ssl = 1.",
  why: "Without it, clients may connect unencrypted, and passwords and change data cross the network in clear.",
  fix: "Set rds.force_ssl = 1 in the parameter group (CdcPostgres does).",
  appliesTo: ["aws_db_parameter_group"],
  check: (b) => {
    if (!String(b.config.family ?? "").startsWith("postgres")) return "not-applicable";
    const param = (b.config.parameter ?? []).find((p: { name: string }) => p.name === "rds.force_ssl");
    return param?.value === "1" ? "compliant" : "non-compliant";
  },
};
