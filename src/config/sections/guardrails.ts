import { z } from "zod";

/**
 * A rule ID's shape. Whether the rule exists is checked where the app is built (the guardrails are
 * not part of the config model).
 */
export const GUARDRAIL_ID_PATTERN = /^CDC-[A-Z0-9]+(-[0-9]+)?$/;

/** Adds an issue at `path`; parse.ts prefixes a message starting with "expected" with `got <value>; `. */
function problem(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message, input: undefined });
}

const REASON_EXPECTED =
  "expected a sentence saying why this relaxation is acceptable here (at least 4 words, 20 characters)";

/**
 * A reason is a sentence: after trimming, at least 20 characters and 4 words (runs of two or more
 * letters), and not one word repeated (at least 3 different ones). Dots, dashes or spaces do not pass.
 */
export function isReasonSentence(reason: string): boolean {
  const text = reason.trim();
  const words = (text.match(/\p{L}{2,}/gu) ?? []).map((w) => w.toLowerCase());
  return text.length >= 20 && words.length >= 4 && new Set(words).size >= 3;
}

/** A construct-path pattern: no surrounding spaces, no empty segment (`a//b`, a trailing `/`). */
function isPathPattern(pattern: string): boolean {
  return pattern.trim() === pattern && pattern.split("/").every((segment) => segment.length > 0);
}

const SuppressionSchema = z
  .strictObject({
    rule: z
      .string()
      .regex(GUARDRAIL_ID_PATTERN, "expected a guardrail ID such as CDC-RDS1 (see RULES.md)")
      .describe("Guardrail ID, e.g. CDC-RDS1 (see RULES.md). Required."),
    resources: z
      .array(
        z
          .string()
          .min(1, "expected a construct path such as demo-platform/Database, or **")
          .refine(isPathPattern, {
            message:
              "expected a construct path such as demo-platform/Database, or ** (no spaces around it, no empty segment)",
            when: (payload) => payload.issues.length === 0,
          }),
      )
      .min(1)
      .superRefine((patterns, ctx) => {
        patterns.forEach((pattern, j) => {
          const first = patterns.indexOf(pattern);
          if (typeof pattern === "string" && first < j) {
            problem(ctx, [j], `expected each pattern once (it is also resources.${first})`);
          }
        });
      })
      .describe(
        "Construct paths the exception covers, e.g. demo-platform/Database; '*' matches within a path " +
          "segment, '**' across segments. Required.",
      ),
    reason: z
      .string()
      .min(20, REASON_EXPECTED)
      .refine(isReasonSentence, { message: REASON_EXPECTED, when: (payload) => payload.issues.length === 0 })
      .describe("Why the rule does not apply here, in a sentence. Required."),
  })
  .describe("A declared exception to one guardrail.");

export const GuardrailsSchema = z
  .strictObject({
    failOn: z
      .enum(["error", "warning"])
      .default("error")
      .describe("Lowest level that fails synth. warning: every rule is mandatory (the production profile)."),
    suppressions: z
      .array(SuppressionSchema)
      .default([])
      .describe("Declared exceptions, each with a reason; synth prints them."),
  })
  .superRefine((guardrails, ctx) => {
    // The same rule and pattern twice: which reason would the summary print?
    const seen = new Map<string, number>();
    guardrails.suppressions.forEach((s, i) => {
      if (!Array.isArray(s?.resources)) return;
      s.resources.forEach((pattern, j) => {
        if (typeof pattern !== "string") return;
        const key = `${s.rule}\u0000${pattern}`;
        const earlier = seen.get(key);
        if (earlier === undefined) seen.set(key, i);
        else if (earlier !== i) {
          problem(
            ctx,
            ["suppressions", i, "resources", j],
            `expected each pattern once per rule (guardrails.suppressions.${earlier} already covers it for ${s.rule})`,
          );
        }
      });
    });
  })
  .prefault({})
  .describe("Guardrails (RULES.md): error findings fail synth, warnings print, unless suppressed here.");
