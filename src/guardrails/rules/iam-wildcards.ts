import { isExpression, type Rule } from "../rule";

interface Statement {
  effect?: string;
  Effect?: string;
  actions?: string[];
  Action?: string | string[];
  resources?: string[];
  Resource?: string | string[];
  not_actions?: string[];
  NotAction?: string | string[];
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** `*` or a whole service (`s3:*`). */
const wildAction = (a: string) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a);

function allowsTooMuch(statements: Statement[]): boolean {
  return statements
    .filter((s) => (s.effect ?? s.Effect ?? "Allow") === "Allow")
    .some(
      (s) =>
        [...list(s.actions), ...list(s.Action)].some(wildAction) ||
        [...list(s.resources), ...list(s.Resource)].includes("*") ||
        list(s.not_actions).length + list(s.NotAction).length > 0,
    );
}

export const IamWildcards: Rule = {
  id: "CDC-IAM1",
  level: "error",
  cause:
    "An IAM policy allows every action (*, or a whole service like s3:*), every resource (*), or uses NotAction.",
  why: "Connector roles must reach only their cluster, topics, bucket prefix and secret; a wildcard grants far more.",
  fix: "Name the actions and the resource ARNs (KafkaActions and KafkaClusterArns give both for MSK).",
  appliesTo: ["aws_iam_policy_document", "aws_iam_role_policy", "aws_iam_policy"],
  check: (b) => {
    if (b.type === "aws_iam_policy_document")
      return allowsTooMuch(b.config.statement ?? []) ? "non-compliant" : "compliant";
    // A policy written as a JSON string (not from a policy document).
    const policy = b.config.policy;
    if (typeof policy !== "string" || isExpression(policy)) return "not-applicable";
    try {
      const statements = JSON.parse(policy).Statement as Statement | Statement[];
      return allowsTooMuch(Array.isArray(statements) ? statements : [statements])
        ? "non-compliant"
        : "compliant";
    } catch {
      return "non-compliant";
    }
  },
};
