import { type IAspect, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import type { Level, Rule } from "./rule";
import { stackView } from "./stack-view";
import { matches, type Suppression } from "./suppression";

export interface Finding {
  readonly rule: Rule;
  readonly level: Level;
  /** Construct path of the resource. */
  readonly path: string;
  readonly suppressedBy?: Suppression;
}

/**
 * Applies the guardrail rules to every stack, on the Terraform JSON the stack synthesizes (exactly what
 * would be deployed), and records findings, matched against the declared suppressions.
 */
export class GuardrailsAspect implements IAspect {
  readonly findings: Finding[] = [];

  constructor(
    private readonly rules: readonly Rule[],
    private readonly suppressions: readonly Suppression[],
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const view = stackView(node.node.id, node.toTerraform());
    for (const block of view.blocks) {
      for (const rule of this.rules) {
        if (!rule.appliesTo.includes("*") && !rule.appliesTo.includes(block.type)) continue;
        if (rule.check(block, view) !== "non-compliant") continue;
        const suppressedBy = this.suppressions.find((s) => matches(s, rule.id, block.path));
        this.findings.push({ rule, level: rule.level, path: block.path, suppressedBy });
      }
    }
  }

  /** Findings no suppression covers: errors fail synth, warnings are printed. */
  get open(): Finding[] {
    return this.findings.filter((f) => !f.suppressedBy);
  }

  /** Suppressions that matched nothing: stale, and misleading in the demo-vs-production summary. */
  get unusedSuppressions(): Suppression[] {
    return this.suppressions.filter((s) => !this.findings.some((f) => f.suppressedBy === s));
  }
}

export function formatFinding(f: Finding): string {
  return `${f.rule.id} ${f.level} ${f.path}: ${f.rule.cause} Fix: ${f.rule.fix}`;
}
