import { ConfigProblems, UserError } from "../errors";
import { formatFinding, type GuardrailsAspect } from "../guardrails/aspect";

/**
 * What synth says about guardrails: throws on open error findings (one line each), otherwise returns
 * the lines to print: open warnings, stale suppressions, and a short summary of the declared ones.
 */
export function guardrailReport(
  guardrails: GuardrailsAspect,
  failOn: "error" | "warning" = "error",
): { warnings: string[]; summary: string[] } {
  const unmatchable = guardrails.unmatchablePatterns;
  if (unmatchable.length > 0) {
    const stacks = guardrails.stacks.join(", ");
    throw new ConfigProblems(
      unmatchable.map(
        (u) =>
          `guardrails.suppressions.${u.suppression}.resources.${u.resource}: got ${JSON.stringify(u.pattern)}; ` +
          `expected a construct path under one of this app's stacks (${stacks}), or starting with **`,
      ),
    );
  }
  const failing = (f: { level: string }) => f.level === "error" || failOn === "warning";
  const errors = guardrails.open.filter(failing);
  if (errors.length > 0) {
    throw new UserError(
      [
        `guardrails: ${errors.length} finding(s) at or above guardrails.failOn (${failOn}); fix them, or suppress one with a reason (guardrails.suppressions):`,
        ...errors.map((f) => `  ${formatFinding(f)}`),
      ].join("\n"),
    );
  }
  const warnings = guardrails.open.filter((f) => !failing(f)).map((f) => `warning: ${formatFinding(f)}`);
  for (const s of guardrails.unusedSuppressions) {
    warnings.push(
      `warning: suppression of ${s.rule} for ${s.resources.join(", ")} matches nothing: remove it`,
    );
  }
  const summary: string[] = [];
  const suppressed = guardrails.findings.filter((f) => f.suppressedBy);
  if (suppressed.length > 0) {
    const byRule = new Map<string, { count: number; reason: string }>();
    for (const f of suppressed) {
      const entry = byRule.get(f.rule.id) ?? { count: 0, reason: f.suppressedBy?.reason ?? "" };
      entry.count += 1;
      byRule.set(f.rule.id, entry);
    }
    summary.push(`guardrails: ${suppressed.length} finding(s) suppressed by config:`);
    for (const [rule, { count, reason }] of byRule) summary.push(`  ${rule} (${count}): ${reason}`);
  }
  return { warnings, summary };
}
