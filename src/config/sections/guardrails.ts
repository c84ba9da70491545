import { z } from "zod";

/**
 * A rule ID's shape. Whether the rule exists is checked where the app is built (the guardrails are
 * not part of the config model).
 */
export const GUARDRAIL_ID_PATTERN = /^CDC-[A-Z0-9]+(-[0-9]+)?$/;

const SuppressionSchema = z
  .strictObject({
    rule: z
      .string()
      .regex(GUARDRAIL_ID_PATTERN, "expected a guardrail ID such as CDC-RDS1 (see RULES.md)")
      .describe("Guardrail ID, e.g. CDC-RDS1 (see RULES.md). Required."),
    resources: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        "Construct paths the exception covers, e.g. demo-platform/Database; '*' matches within a path " +
          "segment, '**' across segments. Required.",
      ),
    reason: z
      .string()
      .min(20, "expected a reason of at least 20 characters: why this relaxation is acceptable here")
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
  .prefault({})
  .describe("Guardrails (RULES.md): error findings fail synth, warnings print, unless suppressed here.");
