import type { Rule } from "../rule";

export const S3Lifecycle: Rule = {
  id: "CDC-S3-6",
  level: "warning",
  cause: "An S3 bucket has no lifecycle rules.",
  why: "Incomplete multipart uploads and previous versions otherwise accumulate, billed, forever.",
  fix: "Add aws_s3_bucket_lifecycle_configuration (PrivateBucket does; storage.noncurrentVersionDays).",
  appliesTo: ["aws_s3_bucket"],
  check: (b, stack) =>
    stack.referenced(b, "aws_s3_bucket_lifecycle_configuration", "bucket").length > 0
      ? "compliant"
      : "non-compliant",
};
