/**
 * A guardrail rule (cdk-nag style): an ID, a level, the cause and the fix, and a pure check over one
 * resource of a synthesized stack: exactly what Terraform would receive.
 */

export type Level = "error" | "warning";
export type Verdict = "compliant" | "non-compliant" | "not-applicable";

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is untyped by nature.
export type Json = Record<string, any>;

/** One resource (or data source, or provider block) of a stack's Terraform JSON. */
export interface TerraformBlock {
  /** `resource`, `data` or `provider`. */
  readonly kind: "resource" | "data" | "provider";
  /** e.g. `aws_db_instance`. */
  readonly type: string;
  /** Logical id in the JSON. */
  readonly name: string;
  /** Construct path, e.g. `demo-platform/Database/Resource` (the type for provider blocks). */
  readonly path: string;
  readonly config: Json;
}

/** The whole stack, for rules that relate resources (a bucket and its public-access block). */
export interface StackView {
  readonly stack: string;
  readonly blocks: readonly TerraformBlock[];
  /** Blocks of a type. */
  ofType(type: string, kind?: TerraformBlock["kind"]): TerraformBlock[];
  /** True when some block of `type` has an attribute referring to `target` (`${type.name.attr}`). */
  referenced(target: TerraformBlock, byType: string, attribute: string): TerraformBlock[];
}

export interface Rule {
  /** `CDC-<AREA><n>`, stable: suppressions name it. */
  readonly id: string;
  readonly level: Level;
  /** What is wrong, in one sentence. */
  readonly cause: string;
  /** Why it matters, for RULES.md. */
  readonly why: string;
  /** What to change, in config terms where possible. */
  readonly fix: string;
  /** How the rule decides, in Markdown, when the table's three sentences are not enough (RULES.md). */
  readonly details?: string;
  /** Block types this rule looks at. */
  readonly appliesTo: readonly string[];
  check(block: TerraformBlock, stack: StackView): Verdict;
  /** What exactly is wrong with a non-compliant block, in a sentence the finding adds to its cause. */
  explain?(block: TerraformBlock, stack: StackView): string | undefined;
}

/** A reference to a block's attribute as written in Terraform JSON: `${aws_s3_bucket.Name.id}`. */
export function referenceTo(block: TerraformBlock, attribute: string): string {
  const prefix = block.kind === "data" ? "data." : "";
  return `\${${prefix}${block.type}.${block.name}.${attribute}}`;
}

/** A value Terraform computes (a reference or function), as opposed to a literal in the JSON. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}
