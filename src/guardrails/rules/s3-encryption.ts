import type { Rule } from "../rule";

export const S3Encryption: Rule = {
  id: "CDC-S3-2",
  level: "error",
  cause: "An S3 bucket has no default server-side encryption configuration.",
  why: "An explicit default (SSE-S3 or SSE-KMS with a key you control) documents and enforces encryption at rest.",
  fix: "Add aws_s3_bucket_server_side_encryption_configuration (PrivateBucket does).",
  appliesTo: ["aws_s3_bucket"],
  check: (b, stack) =>
    stack.referenced(b, "aws_s3_bucket_server_side_encryption_configuration", "bucket").length > 0
      ? "compliant"
      : "non-compliant",
};
