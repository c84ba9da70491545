import { type Rule, referenceTo } from "../rule";

export const S3PublicAccessBlock: Rule = {
  id: "CDC-S3-1",
  level: "error",
  cause: "An S3 bucket has no public-access block with all four settings on.",
  why: "One public ACL or policy away from publishing the data lake (or the connector plugins).",
  fix: "Add aws_s3_bucket_public_access_block with all four settings true (PrivateBucket does).",
  appliesTo: ["aws_s3_bucket"],
  check: (b, stack) =>
    stack
      .referenced(b, "aws_s3_bucket_public_access_block", "bucket")
      .some(
        (p) =>
          p.config.bucket === referenceTo(b, "id") &&
          p.config.block_public_acls &&
          p.config.block_public_policy &&
          p.config.ignore_public_acls &&
          p.config.restrict_public_buckets,
      )
      ? "compliant"
      : "non-compliant",
};
