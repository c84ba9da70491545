import type { Rule } from "../rule";

export const S3ForceDestroy: Rule = {
  id: "CDC-S3-5",
  level: "warning",
  cause: "An S3 bucket is set to be destroyed with everything in it (force_destroy).",
  why: "A destroy of the stack deletes the whole data lake without a prompt.",
  fix: "Set storage.forceDestroy: false.",
  appliesTo: ["aws_s3_bucket"],
  check: (b) => (b.config.force_destroy === true ? "non-compliant" : "compliant"),
};
