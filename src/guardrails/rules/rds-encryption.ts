import type { Rule } from "../rule";

export const RdsEncryption: Rule = {
  id: "CDC-RDS2",
  level: "error",
  cause: "The RDS instance's storage is not encrypted.",
  why: "Unencrypted storage, snapshots and WAL expose every captured row at rest.",
  fix: "Set storage_encrypted = true (CdcPostgres always does; do not override it).",
  appliesTo: ["aws_db_instance"],
  check: (b) => (b.config.storage_encrypted === true ? "compliant" : "non-compliant"),
};
