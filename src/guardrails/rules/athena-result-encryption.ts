import type { Json, Rule, TerraformBlock } from "../rule";
import { singleBlock, workgroupName } from "./athena-enforce-configuration";

/** The provider's encryption options (Athena's EncryptionOption values); all three encrypt. */
const OPTIONS = ["SSE_S3", "SSE_KMS", "CSE_KMS"];
/** The options that encrypt with a KMS key, named in kms_key_arn. */
const KMS_OPTIONS = ["SSE_KMS", "CSE_KMS"];
const EXPECTED_OPTION = "expected SSE_S3, SSE_KMS or CSE_KMS.";

const present = (value: unknown) => value !== undefined && value !== null && value !== "";

/**
 * An S3 URI with a bucket, or a value beginning with an expression (its scheme may be computed, e.g.
 * `${local.results}`); `s3://${aws_s3_bucket.x.bucket}/athena/` is the first kind.
 */
const isOutputLocation = (value: unknown) =>
  typeof value === "string" && (/^s3:\/\/[^/\s]/.test(value) || value.startsWith("${"));

/** What is missing or wrong about the workgroup's query results, one sentence each; [] when compliant. */
function problems(config: Json): string[] {
  const results = singleBlock(singleBlock(config.configuration)?.result_configuration);
  if (!results) {
    return [
      "configuration.result_configuration: got no block; expected one with output_location and encryption_configuration.",
    ];
  }
  const found: string[] = [];
  const path = "configuration.result_configuration";
  const location = results.output_location;
  if (!isOutputLocation(location)) {
    const got = present(location) ? JSON.stringify(location) : "nothing";
    found.push(`${path}.output_location: got ${got}; expected an s3:// URI (s3://bucket/prefix/).`);
  }
  const encryption = singleBlock(results.encryption_configuration);
  const option = encryption?.encryption_option;
  if (!present(option)) {
    found.push(`${path}.encryption_configuration.encryption_option: got nothing; ${EXPECTED_OPTION}`);
  } else if (!OPTIONS.includes(option)) {
    found.push(
      `${path}.encryption_configuration.encryption_option: got ${JSON.stringify(option)}; ${EXPECTED_OPTION}`,
    );
  } else if (KMS_OPTIONS.includes(option)) {
    const key = encryption?.kms_key_arn;
    if (typeof key !== "string" || key.trim() === "") {
      found.push(
        `${path}.encryption_configuration.kms_key_arn: got ${present(key) ? JSON.stringify(key) : "nothing"} ` +
          `with ${option}; expected the ARN of the KMS key.`,
      );
    }
  }
  return found;
}

export const AthenaResultEncryption: Rule = {
  id: "CDC-ATH2",
  level: "error",
  cause: "An Athena workgroup does not encrypt query results, or sets no S3 location for them.",
  why: "Query results are copies of the change data; unencrypted, or written wherever each client points them, they escape the lake's encryption and access control.",
  fix: "In configuration.result_configuration set output_location (s3://…) and encryption_configuration: SSE_KMS with kms_key_arn (or SSE_S3).",
  details:
    "A workgroup complies when `configuration.result_configuration` sets `output_location` to an `s3://` URI " +
    "(or a value beginning with a Terraform expression) and `encryption_configuration.encryption_option` to " +
    "`SSE_S3`, `SSE_KMS` or `CSE_KMS`, with a non-empty `kms_key_arn` for the two KMS options. The provider " +
    "defaults neither, and clients can override both unless the workgroup enforces its configuration (CDC-ATH1).",
  appliesTo: ["aws_athena_workgroup"],
  check: (b) => (problems(b.config).length === 0 ? "compliant" : "non-compliant"),
  explain: (b: TerraformBlock) => {
    const found = problems(b.config);
    return found.length > 0 ? `Workgroup ${workgroupName(b)}: ${found.join(" ")}` : undefined;
  },
};
