import type { Rule } from "../rule";

export const KmsCustomerManaged: Rule = {
  id: "CDC-KMS1",
  level: "warning",
  cause: "RDS or MSK data at rest is encrypted with an AWS managed key rather than the pipeline's own.",
  why: "A customer-managed key is yours to audit, rotate, restrict in its policy and revoke; an AWS managed key is not.",
  fix: "Set encryption.customerManagedKey: true.",
  appliesTo: ["aws_db_instance", "aws_msk_cluster"],
  check: (b) => {
    const keys =
      b.type === "aws_db_instance"
        ? [
            b.config.kms_key_id,
            ...(b.config.performance_insights_enabled ? [b.config.performance_insights_kms_key_id] : []),
          ]
        : [b.config.encryption_info?.encryption_at_rest_kms_key_arn];
    // A key of this configuration, not an alias of an AWS managed key such as alias/aws/rds.
    return keys.every((k) => typeof k === "string" && k.includes("aws_kms_key."))
      ? "compliant"
      : "non-compliant";
  },
};
