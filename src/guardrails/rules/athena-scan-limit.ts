import { isExpression, type Rule, type TerraformBlock } from "../rule";
import { singleBlock, workgroupName } from "./athena-enforce-configuration";

/** The provider's smallest cutoff (10 MiB); it also accepts 0, meaning no limit. */
export const MIN_BYTES_SCANNED_CUTOFF = 10_485_760;

/** A number argument as Terraform converts it from JSON: a number or a decimal string; else undefined. */
function literalNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Why the workgroup has no usable per-query cutoff; undefined when it has one. */
function problem(b: TerraformBlock): string | undefined {
  const cutoff = singleBlock(b.config.configuration)?.bytes_scanned_cutoff_per_query;
  const bytes = literalNumber(cutoff);
  if (bytes !== undefined && bytes >= MIN_BYTES_SCANNED_CUTOFF) return undefined;
  const atLeast = `at least ${MIN_BYTES_SCANNED_CUTOFF} (10 MiB).`;
  const expected = `expected ${atLeast}`;
  const path = "configuration.bytes_scanned_cutoff_per_query";
  if (cutoff === undefined || cutoff === null) return `${path}: got nothing; ${expected}`;
  if (bytes === 0) return `${path}: got 0, no limit; ${expected}`;
  if (isExpression(cutoff)) {
    return `${path}: got ${JSON.stringify(cutoff)}, computed by Terraform; expected a literal number of ${atLeast}`;
  }
  return `${path}: got ${JSON.stringify(cutoff)}; ${expected}`;
}

export const AthenaScanLimit: Rule = {
  id: "CDC-ATH3",
  level: "warning",
  cause: "An Athena workgroup sets no per-query limit on the bytes a query may scan.",
  why: "Athena bills per byte scanned: one unfiltered query over the change-data lake, or one run in a loop, costs as much as the lake is large.",
  fix: "Set configuration.bytes_scanned_cutoff_per_query to at least 10485760 bytes (10 MiB); Athena cancels a query that scans more.",
  details:
    "A workgroup complies when `configuration.bytes_scanned_cutoff_per_query` is a literal number of at least " +
    "10485760, the provider's minimum. `0` means no limit (the provider then sends none), and a value " +
    "Terraform computes cannot be checked at synth: both are flagged.",
  appliesTo: ["aws_athena_workgroup"],
  check: (b) => (problem(b) === undefined ? "compliant" : "non-compliant"),
  explain: (b) => {
    const found = problem(b);
    return found && `Workgroup ${workgroupName(b)}: ${found}`;
  },
};
