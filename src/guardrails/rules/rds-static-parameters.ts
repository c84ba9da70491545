import type { Rule } from "../rule";

/** PostgreSQL parameters RDS only applies at reboot. @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Parameters.html */
export const STATIC_PARAMETERS = new Set([
  "rds.logical_replication",
  "shared_preload_libraries",
  "max_replication_slots",
  "max_wal_senders",
  "max_worker_processes",
  "max_connections",
  "wal_buffers",
  "shared_buffers",
  "track_commit_timestamp",
  "max_logical_replication_workers",
  "max_locks_per_transaction",
  "max_prepared_transactions",
]);

export const RdsStaticParameters: Rule = {
  id: "CDC-RDS4",
  level: "error",
  cause: "A static parameter is changed with an apply method other than pending-reboot.",
  why: "RDS rejects immediate changes of static parameters, and Terraform never reboots (terraform-provider-aws #40089).",
  fix: 'Use apply_method = "pending-reboot" for static parameters and reboot in a maintenance window.',
  appliesTo: ["aws_db_parameter_group"],
  check: (b) => {
    const statics = (b.config.parameter ?? []).filter((p: { name: string }) => STATIC_PARAMETERS.has(p.name));
    if (statics.length === 0) return "not-applicable";
    return statics.every((p: { apply_method?: string }) => p.apply_method === "pending-reboot")
      ? "compliant"
      : "non-compliant";
  },
};
