import type { Rule } from "../rule";

const parameter = (params: { name: string; value: string }[] | undefined, name: string) =>
  (params ?? []).find((p) => p.name === name);

export const RdsWalCap: Rule = {
  id: "CDC-RDS3",
  level: "error",
  cause: "Logical replication is on without a cap on the WAL a replication slot may retain.",
  why: "An inactive or lagging slot keeps WAL until the disk fills and the database stops.",
  fix: "Set max_slot_wal_keep_size to a positive size below the storage (database.maxSlotWalKeepSizeMiB).",
  appliesTo: ["aws_db_parameter_group"],
  check: (b) => {
    if (parameter(b.config.parameter, "rds.logical_replication")?.value !== "1") return "not-applicable";
    const cap = Number(parameter(b.config.parameter, "max_slot_wal_keep_size")?.value);
    return Number.isFinite(cap) && cap > 0 ? "compliant" : "non-compliant";
  },
};
