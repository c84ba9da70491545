import { type Rule, referenceTo, type TerraformBlock } from "../rule";

interface Statement {
  effect?: string;
  resources?: string[];
  condition?: { variable: string; values: string[] }[];
}

export const S3TlsOnly: Rule = {
  id: "CDC-S3-3",
  level: "error",
  cause: "An S3 bucket's policy does not deny requests made without TLS.",
  why: "Without the deny, objects can be read or written over plain HTTP.",
  fix: "Attach a bucket policy that denies s3:* when aws:SecureTransport is false (PrivateBucket does).",
  appliesTo: ["aws_s3_bucket"],
  check: (b, stack) => {
    const arn = referenceTo(b, "arn");
    const deniesPlainHttp = (d: TerraformBlock) =>
      ((d.config.statement ?? []) as Statement[]).some(
        (s) =>
          s.effect === "Deny" &&
          (s.resources ?? []).includes(arn) &&
          (s.condition ?? []).some((c) => c.variable === "aws:SecureTransport" && c.values.includes("false")),
      );
    // The denying document must be the one attached to this bucket.
    const documents = stack.ofType("aws_iam_policy_document", "data").filter(deniesPlainHttp);
    const attached = stack
      .referenced(b, "aws_s3_bucket_policy", "bucket")
      .some((p) => documents.some((d) => String(p.config.policy).includes(`.${d.name}.`)));
    return attached ? "compliant" : "non-compliant";
  },
};
