import { isExpression, type Json, type Rule, type TerraformBlock } from "../rule";

/**
 * A nested block of at most one item (`configuration`, `result_configuration`, …) as Terraform JSON may
 * write it: an object (what cdktf writes) or a list of one object. Absent, null or `[]` means no block.
 */
export function singleBlock(value: unknown): Json | undefined {
  const item = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  return item !== null && typeof item === "object" && !Array.isArray(item) ? (item as Json) : undefined;
}

/** How a finding names the workgroup: its literal name, else its construct path. */
export function workgroupName(b: TerraformBlock): string {
  const name = b.config.name;
  return typeof name === "string" && name !== "" && !isExpression(name) ? name : b.path;
}

/** A bool argument as Terraform converts it from JSON: true/false or "true"/"false"; else undefined. */
function literalBool(value: unknown): boolean | undefined {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/** Why the workgroup does not enforce its configuration; undefined when it does. */
function problem(b: TerraformBlock): string | undefined {
  const configuration = singleBlock(b.config.configuration);
  // Without the block the provider sends no WorkGroupConfiguration, and Athena's own default is not to
  // override client-side settings (https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html).
  if (!configuration) {
    return "configuration: got no block; expected one (inside it enforce_workgroup_configuration defaults to true; without it Athena does not override client-side settings).";
  }
  const enforce = configuration.enforce_workgroup_configuration;
  // Unset or null: the provider's default, true (hashicorp/aws 5.100.0 docs, aws_athena_workgroup).
  if (enforce === undefined || enforce === null || literalBool(enforce) === true) return undefined;
  const computed = isExpression(enforce) ? ", computed by Terraform" : "";
  return `configuration.enforce_workgroup_configuration: got ${JSON.stringify(enforce)}${computed}; expected true.`;
}

export const AthenaEnforceConfiguration: Rule = {
  id: "CDC-ATH1",
  level: "error",
  cause: "An Athena workgroup does not enforce its configuration on the queries run in it.",
  why: "Without enforcement each client picks its own result location and encryption: query results, copies of the change data, can land unencrypted or outside the pipeline's buckets.",
  fix: "Give aws_athena_workgroup a configuration block and leave enforce_workgroup_configuration unset or true.",
  details:
    "Provider hashicorp/aws 5.100.0 documents `configuration.enforce_workgroup_configuration` as " +
    '"Defaults to `true`" ([aws_athena_workgroup](https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/athena_workgroup)), ' +
    "so a `configuration` block that leaves it unset or null complies. Without a `configuration` block the " +
    "provider sends no workgroup configuration and Athena's own default applies, which does not override " +
    "client-side settings ([Override client-side settings](https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html)): " +
    'flagged, as are `false`, `"false"` and a value Terraform computes.',
  appliesTo: ["aws_athena_workgroup"],
  check: (b) => (problem(b) === undefined ? "compliant" : "non-compliant"),
  explain: (b) => {
    const found = problem(b);
    return found && `Workgroup ${workgroupName(b)}: ${found}`;
  },
};
