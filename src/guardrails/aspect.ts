import { type IAspect, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import type { Json, Level, Rule } from "./rule";
import { stackView } from "./stack-view";
import { canMatchUnder, matches, type Suppression } from "./suppression";

export interface Finding {
  readonly rule: Rule;
  readonly level: Level;
  /** Construct path of the resource. */
  readonly path: string;
  /** What exactly is wrong here, when the rule says more than its cause (e.g. the ranges admitted). */
  readonly detail?: string;
  readonly suppressedBy?: Suppression;
}

/**
 * Applies the guardrail rules to every stack, on the Terraform JSON the stack synthesizes (exactly what
 * would be deployed), and records findings, matched against the declared suppressions.
 */
export class GuardrailsAspect implements IAspect {
  readonly findings: Finding[] = [];
  /** Names of the stacks visited, in order. */
  readonly stacks: string[] = [];

  constructor(
    private readonly rules: readonly Rule[],
    private readonly suppressions: readonly Suppression[],
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    this.stacks.push(node.node.id);
    const view = stackView(node.node.id, withRaw(node.toTerraform(), node));
    for (const block of view.blocks) {
      for (const rule of this.rules) {
        if (!rule.appliesTo.includes("*") && !rule.appliesTo.includes(block.type)) continue;
        if (rule.check(block, view) !== "non-compliant") continue;
        const suppressedBy = this.suppressions.find((s) => matches(s, rule.id, block.path));
        const detail = rule.explain?.(block, view);
        this.findings.push({ rule, level: rule.level, path: block.path, detail, suppressedBy });
      }
    }
  }

  /** Findings no suppression covers: errors fail synth, warnings are printed. */
  get open(): Finding[] {
    return this.findings.filter((f) => !f.suppressedBy);
  }

  /**
   * Resource patterns that can match nothing in this app, whatever its resources: their first segment
   * names no stack visited (a typo in the environment or the stack, `prod-platfrom/…`). Known once every
   * stack has been visited, i.e. after synth. Indexes are those of the config's suppressions.
   */
  get unmatchablePatterns(): { suppression: number; resource: number; pattern: string }[] {
    return this.suppressions.flatMap((s, i) =>
      s.resources.flatMap((pattern, j) =>
        canMatchUnder(pattern, this.stacks) ? [] : [{ suppression: i, resource: j, pattern }],
      ),
    );
  }

  /** Suppressions that matched nothing: stale, and misleading in the demo-vs-production summary. */
  get unusedSuppressions(): Suppression[] {
    return this.suppressions.filter((s) => !this.findings.some((f) => f.suppressedBy === s));
  }
}

export function formatFinding(f: Finding): string {
  const detail = f.detail ? ` ${f.detail}` : "";
  return `${f.rule.id} ${f.level} ${f.path}: ${f.rule.cause}${detail} Fix: ${f.rule.fix}`;
}

/**
 * The stack's JSON with the resources it writes to a file of their own (PipelineStack.rawTerraform, found
 * by its shape: guardrails import no stack), so the rules see every resource Terraform will.
 */
function withRaw(json: Json, stack: IConstruct): Json {
  const raw = (stack as { rawTerraform?: () => { resource: Json } | undefined }).rawTerraform?.();
  if (!raw) return json;
  const resource: Json = { ...(json.resource ?? {}) };
  for (const [type, byName] of Object.entries<Json>(raw.resource)) {
    resource[type] = { ...(resource[type] ?? {}), ...byName };
  }
  return { ...json, resource };
}
