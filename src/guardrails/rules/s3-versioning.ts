import type { Rule } from "../rule";

export const S3Versioning: Rule = {
  id: "CDC-S3-4",
  level: "warning",
  cause: "An S3 bucket has no versioning.",
  why: "An overwrite or delete of a lake object is unrecoverable; versions (with lifecycle rules) keep a window to undo it.",
  fix: "Set storage.versioning: true (lifecycle rules then expire old versions).",
  appliesTo: ["aws_s3_bucket"],
  check: (b, stack) =>
    stack
      .referenced(b, "aws_s3_bucket_versioning", "bucket")
      .some((v) => v.config.versioning_configuration?.status === "Enabled")
      ? "compliant"
      : "non-compliant",
};
