import { type Rule, referenceTo } from "../rule";

export const S3TlsOnly: Rule = {
  id: "CDC-S3-3",
  level: "error",
  cause: "An S3 bucket's policy does not deny requests made without TLS.",
  why: "Without the deny, objects can be read or written over plain HTTP.",
  fix: "Attach a bucket policy that denies s3:* when aws:SecureTransport is false (PrivateBucket does).",
  appliesTo: ["aws_s3_bucket"],
  check: (b, stack) => {
    const arn = referenceTo(b, "arn");
    const denies = stack
      .ofType("aws_iam_policy_document", "data")
      .some((d) =>
        (d.config.statement ?? []).some(
          (s: {
            effect?: string;
            resources?: string[];
            condition?: { variable: string; values: string[] }[];
          }) =>
            s.effect === "Deny" &&
            (s.resources ?? []).includes(arn) &&
            (s.condition ?? []).some(
              (c) => c.variable === "aws:SecureTransport" && c.values.includes("false"),
            ),
        ),
      );
    const attached = stack.referenced(b, "aws_s3_bucket_policy", "bucket").length > 0;
    return denies && attached ? "compliant" : "non-compliant";
  },
};
